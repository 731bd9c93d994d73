using ActorCdc.Engine.Protocol;

namespace ActorCdc.Engine.Pipelines;

/// <summary>Lets a paused pipeline's reader send changes again; answered with <see cref="PipelineControlled"/>.</summary>
public sealed record ResumePipeline : IEngineMessage
{
    public static readonly ResumePipeline Instance = new();
}
