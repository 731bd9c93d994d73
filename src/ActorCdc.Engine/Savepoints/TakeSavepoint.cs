using ActorCdc.Engine.Protocol;

namespace ActorCdc.Engine.Savepoints;

/// <summary>
/// Asks a PipelineManager for a savepoint: a consistent, self-describing copy of every entity of the pipeline in
/// checkpoint storage (answered with <see cref="SavepointTaken"/> or <see cref="SavepointFailed"/>).
/// </summary>
public sealed record TakeSavepoint : IEngineMessage;
