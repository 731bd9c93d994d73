using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Snapshot;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using ActorCdc.Persistence.RocksDb.Settings;

namespace ActorCdc.Persistence.RocksDb.Snapshot;

/// <summary>
/// Akka.Persistence snapshot store (<c>akka.persistence.snapshot-store.rocksdb</c>): snapshots kept locally (RocksDB,
/// or memory for state.backend = memory) and pushed to checkpoint storage; a load takes the newest of both.
/// </summary>
/// <remarks>
/// Owns its local snapshot copy and a reference to the shared <see cref="RocksDbStore"/>; checkpoint storage belongs
/// to the <see cref="CheckpointStorage"/> extension. Started and supervised by Akka.Persistence like any snapshot
/// store plugin.
/// </remarks>
public sealed class RocksDbSnapshotStore : SnapshotStore
{
    private readonly RocksDbSnapshotSettings _settings;
    private readonly SnapshotBlobCodec _codec;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ILocalSnapshots? _local;
    private ICheckpointStore? _checkpoints;

    public RocksDbSnapshotStore(Config config)
    {
        RocksDbPersistence.Get(Context.System);
        _settings = RocksDbSnapshotSettings.Create(config);
        _codec = new SnapshotBlobCodec((ExtendedActorSystem)Context.System);
    }

    protected override void PreStart()
    {
        _local = _settings.Local == LocalSnapshotStorage.Memory
            ? new MemoryLocalSnapshots()
            : new RocksDbLocalSnapshots(RocksDbStore.Acquire(_settings.Store));
        _checkpoints = CheckpointStoreLink.Resolve(Context.System);
        _log.Info("Snapshot store started: local {0}{1}, checkpoint storage {2}", _settings.Local,
            _settings.Local == LocalSnapshotStorage.RocksDb ? $" at '{_settings.Store.Path}'" : "",
            _checkpoints?.Location ?? "none");
        base.PreStart();
    }

    protected override void PostStop()
    {
        _local?.Dispose();
        _local = null;
        base.PostStop();
    }

    protected override async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        var minTimestamp = criteria.MinTimestamp ?? DateTime.MinValue;
        var local = await OnLocal(l => l.LoadNewest(persistenceId, criteria.MinSequenceNr, criteria.MaxSequenceNr, minTimestamp, criteria.MaxTimeStamp))
            .ConfigureAwait(false);
        // Storage failures propagate: recovering from an older local snapshot while storage may hold a newer one
        // (written on another node) would silently lose state, so the entity's recovery fails and is retried.
        var stored = _checkpoints is null
            ? null
            : await _checkpoints.LoadNewestAsync(persistenceId, criteria.MinSequenceNr, criteria.MaxSequenceNr, minTimestamp,
                criteria.MaxTimeStamp, cancellationToken).ConfigureAwait(false);
        var newest = stored is not null && (local is null || IsNewer(stored, local)) ? stored : local;
        if (newest is null) return null;
        var snapshot = _codec.Deserialize(newest.Payload.Span, persistenceId, newest.SequenceNr);
        return new SelectedSnapshot(new SnapshotMetadata(persistenceId, newest.SequenceNr, newest.TimestampUtc), snapshot);
    }

    /// <summary>
    /// Higher sequence number first; at the same one (an actor without events, such as the backfill coordinator, saves
    /// at 0 every time) the later save: a node's own copy may be older than what another node pushed since.
    /// </summary>
    private static bool IsNewer(StoredSnapshot candidate, StoredSnapshot than) =>
        candidate.SequenceNr > than.SequenceNr || (candidate.SequenceNr == than.SequenceNr && candidate.TimestampUtc > than.TimestampUtc);

    protected override async Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        var blob = _codec.Serialize(snapshot);
        await OnLocal(l => l.Save(metadata.PersistenceId, metadata.SequenceNr, metadata.Timestamp, blob)).ConfigureAwait(false);
        // Queued, never awaited: a checkpoint-storage outage must not hold up the entity (uploads retry on their own).
        _checkpoints?.EnqueueSnapshot(new StoredSnapshot(metadata.PersistenceId, metadata.SequenceNr, metadata.Timestamp, blob));
    }

    protected override async Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken)
    {
        // MinValue/MaxValue timestamps are wildcards; any other timestamp protects a snapshot saved after it.
        DateTime? maxTimestamp = metadata.Timestamp == DateTime.MinValue || metadata.Timestamp == DateTime.MaxValue ? null : metadata.Timestamp;
        await OnLocal(l => l.Delete(metadata.PersistenceId, metadata.SequenceNr, maxTimestamp)).ConfigureAwait(false);
        ForwardDelete(metadata.PersistenceId, metadata.SequenceNr, metadata.SequenceNr, DateTime.MinValue, maxTimestamp ?? DateTime.MaxValue);
    }

    protected override async Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken)
    {
        var minTimestamp = criteria.MinTimestamp ?? DateTime.MinValue;
        await OnLocal(l => l.Delete(persistenceId, criteria.MinSequenceNr, criteria.MaxSequenceNr, minTimestamp, criteria.MaxTimeStamp))
            .ConfigureAwait(false);
        ForwardDelete(persistenceId, criteria.MinSequenceNr, criteria.MaxSequenceNr, minTimestamp, criteria.MaxTimeStamp);
    }

    /// <summary>
    /// Deletes in checkpoint storage are best effort and not awaited: a failure leaves an object that retention
    /// removes later, while awaiting would let a storage outage trip the snapshot store's circuit breaker.
    /// </summary>
    private void ForwardDelete(string persistenceId, long minSequenceNr, long maxSequenceNr, DateTime minTimestamp, DateTime maxTimestamp)
    {
        if (_checkpoints is null) return;
        var log = _log;
        Task deleting;
        try
        {
            deleting = _checkpoints.DeleteAsync(persistenceId, minSequenceNr, maxSequenceNr, minTimestamp, maxTimestamp, CancellationToken.None);
        }
        catch (Exception e)
        {
            deleting = Task.FromException(e);
        }
        deleting.ContinueWith(
            t => log.Warning("Deleting snapshots {0}..{1} of '{2}' in checkpoint storage failed (retention removes them later): {3}",
                minSequenceNr, maxSequenceNr, persistenceId, t.Exception?.GetBaseException().Message),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>Memory calls run inline; RocksDB calls (synced writes, iterators) run off the snapshot store's thread.</summary>
    private Task<T> OnLocal<T>(Func<ILocalSnapshots, T> call)
    {
        var local = _local ?? throw new InvalidOperationException("The snapshot store has not started.");
        if (!local.IsInMemory) return Task.Run(() => call(local));
        try
        {
            return Task.FromResult(call(local));
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    private Task OnLocal(Action<ILocalSnapshots> call) => OnLocal(l =>
    {
        call(l);
        return true;
    });
}
