namespace ActorCdc.Persistence.RocksDb.Checkpoints;

/// <summary>
/// Checkpoint storage for snapshots (DESIGN.md §3.6, §4): snapshots are written locally first, then uploaded here
/// asynchronously with retry; loading takes the newest valid one; retention keeps the last N per persistence id.
/// An outage of the storage never blocks the caller: uploads queue and <see cref="Lag"/> shows how far they lag.
/// </summary>
public interface ICheckpointStore : IAsyncDisposable
{
    /// <summary>Where checkpoints go (<c>file:///...</c> or <c>s3://bucket/prefix</c>).</summary>
    string Location { get; }

    /// <summary>Queues an upload; returns at once. Retried with backoff until it succeeds.</summary>
    void EnqueueSnapshot(StoredSnapshot snapshot);

    /// <summary>Completes when every snapshot of <paramref name="persistenceId"/> queued so far is uploaded (graceful hand-off).</summary>
    Task FlushAsync(string persistenceId, CancellationToken cancellationToken);

    /// <summary>
    /// The newest snapshot of <paramref name="persistenceId"/> within the bounds whose checksum holds; a corrupt object
    /// is skipped with a warning in favour of the previous one. Null when none.
    /// </summary>
    Task<StoredSnapshot?> LoadNewestAsync(string persistenceId, long minSequenceNr, long maxSequenceNr, DateTime minTimestampUtc, DateTime maxTimestampUtc, CancellationToken cancellationToken);

    /// <summary>Deletes the snapshots of <paramref name="persistenceId"/> within the bounds (inclusive).</summary>
    Task DeleteAsync(string persistenceId, long minSequenceNr, long maxSequenceNr, DateTime minTimestampUtc, DateTime maxTimestampUtc, CancellationToken cancellationToken);

    /// <summary>Upload backlog, for status and metrics.</summary>
    CheckpointLag Lag { get; }
}
