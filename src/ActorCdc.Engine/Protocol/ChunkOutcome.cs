using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// TableEntity → SnapshotCoordinator: the chunk's merged rows are committed in the sink (<see cref="VoidReason"/> null),
/// or the attempt was voided and must be read again.
/// </summary>
public sealed record ChunkOutcome(TableId Table, long ChunkId, int Attempt, long Rows, string? VoidReason) : IEngineMessage;
