using ActorCdc.Engine.Protocol;

namespace ActorCdc.Engine.Savepoints;

/// <summary>A savepoint was written: its id, where, and how many entities it holds.</summary>
public sealed record SavepointTaken(string Pipeline, string SavepointId, string Location, int Entities) : IEngineMessage;
