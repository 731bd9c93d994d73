using ActorCdc.Engine.Protocol;

namespace ActorCdc.Engine.Pipelines;

/// <summary>
/// Stops a pipeline's reader from sending changes until <see cref="ResumePipeline"/> (an operator's decision); the slot
/// keeps being confirmed for what is durable. Answered with <see cref="PipelineControlled"/>.
/// </summary>
public sealed record PausePipeline : IEngineMessage
{
    public static readonly PausePipeline Instance = new();
}
