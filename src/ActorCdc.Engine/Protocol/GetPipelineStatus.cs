namespace ActorCdc.Engine.Protocol;

/// <summary>Asks a PipelineManager (through its singleton proxy) for its <see cref="PipelineStatus"/>.</summary>
public sealed record GetPipelineStatus : IEngineMessage
{
    public static readonly GetPipelineStatus Instance = new();
}
