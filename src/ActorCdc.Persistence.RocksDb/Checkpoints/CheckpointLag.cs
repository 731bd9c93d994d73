namespace ActorCdc.Persistence.RocksDb.Checkpoints;

/// <summary>How far checkpoint uploads lag: what is queued, since when, and the last failure if any.</summary>
public sealed record CheckpointLag(int QueuedObjects, long QueuedBytes, TimeSpan OldestQueuedAge, DateTime? LastSuccessUtc, string? LastError);
