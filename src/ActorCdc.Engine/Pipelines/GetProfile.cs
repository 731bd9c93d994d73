using ActorCdc.Engine.Protocol;

namespace ActorCdc.Engine.Pipelines;

/// <summary>Asks a PipelineManager for the profile in force; answered with <see cref="ProfileInForce"/>.</summary>
public sealed record GetProfile : IEngineMessage
{
    public static readonly GetProfile Instance = new();
}
