using ActorCdc.Engine.Protocol;

namespace ActorCdc.Engine.Savepoints;

/// <summary>A savepoint could not be written; <see cref="Reason"/> says why and what to do.</summary>
public sealed record SavepointFailed(string Pipeline, string Reason) : IEngineMessage;
