using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Snapshots;

/// <summary>ChunkReaderWorker → SnapshotCoordinator: the attempt was read and its end marker sent (Error null), or it failed.</summary>
public sealed record ChunkReadFinished(TableId Table, long ChunkId, int Attempt, long Rows, Exception? Error);
