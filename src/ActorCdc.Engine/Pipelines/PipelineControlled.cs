using ActorCdc.Engine.Protocol;

namespace ActorCdc.Engine.Pipelines;

/// <summary>A PipelineManager's answer to an operator's command: whether it was carried out, and a sentence saying what happened or what to do.</summary>
public sealed record PipelineControlled(string Pipeline, bool Succeeded, string Message) : IEngineMessage;
