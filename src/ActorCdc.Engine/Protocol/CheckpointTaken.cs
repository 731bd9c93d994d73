using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// TableEntity → operator: the checkpoint asked by <see cref="TakeCheckpoint"/>: the applied position it holds and its
/// snapshot's sequence number, or <see cref="Error"/> saying why it failed (null on success).
/// </summary>
public sealed record CheckpointTaken(TableId Table, SourcePosition Applied, long SequenceNr, string? Error) : IEngineMessage;
