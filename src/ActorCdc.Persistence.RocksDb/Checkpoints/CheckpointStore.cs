using ActorCdc.Core.Failures;
using ActorCdc.Core.Storage;

namespace ActorCdc.Persistence.RocksDb.Checkpoints;

/// <summary>
/// <see cref="ICheckpointStore"/> over an <see cref="IObjectStore"/>: one object per snapshot under
/// <c>snapshots/&lt;escaped pid&gt;/</c>, uploaded in enqueue order by one background worker that retries forever.
/// </summary>
/// <remarks>
/// The queue never blocks <see cref="EnqueueSnapshot"/>. Past <see cref="CheckpointStorageSettings.MaxQueuedBytes"/>
/// the oldest queued (not in-flight) snapshot of the persistence id being enqueued is dropped, since the newer one
/// supersedes it; snapshots of other persistence ids are never dropped, so while storage is down the queue holds at
/// least the newest snapshot of every entity that took one. The payload of an enqueued snapshot must not be modified
/// afterwards: it is encoded when its upload starts.
/// </remarks>
public sealed class CheckpointStore : ICheckpointStore, IDisposable
{
    private readonly IObjectStore _store;
    private readonly CheckpointStorageSettings _settings;
    private readonly Action<string> _warn;
    private readonly object _gate = new();
    private readonly LinkedList<Pending> _queue = new();
    private readonly Dictionary<string, PidState> _pids = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wakeUp = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _worker;
    private long _nextSerial;
    private long _queuedBytes;
    private long _uploaded;
    private long _superseded;
    private DateTime? _lastSuccessUtc;
    private string? _lastError;
    private CdcException? _fatal;
    private bool _warnedSupersede;
    private bool _disposed;

    /// <summary>Starts the upload worker; <paramref name="warning"/> receives warnings (failed uploads, corrupt objects).</summary>
    public CheckpointStore(IObjectStore store, CheckpointStorageSettings settings, Action<string>? warning = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _store = store;
        _settings = settings;
        _warn = warning ?? (_ => { });
        _worker = Task.Run(UploadLoopAsync);
    }

    /// <inheritdoc />
    public string Location => _store.Location;

    /// <summary>The store objects go to.</summary>
    public IObjectStore ObjectStore => _store;

    /// <summary>Snapshots uploaded since start.</summary>
    public long UploadedSnapshots => Interlocked.Read(ref _uploaded);

    /// <summary>Queued snapshots dropped because a newer one of the same persistence id superseded them (see remarks).</summary>
    public long SupersededSnapshots => Interlocked.Read(ref _superseded);

    /// <inheritdoc />
    public CheckpointLag Lag
    {
        get
        {
            lock (_gate)
            {
                var oldest = DateTime.MaxValue;
                foreach (var p in _queue)
                    if (p.OldestEnqueuedUtc < oldest) oldest = p.OldestEnqueuedUtc;
                var age = _queue.Count == 0 ? TimeSpan.Zero : DateTime.UtcNow - oldest;
                return new CheckpointLag(_queue.Count, _queuedBytes, age < TimeSpan.Zero ? TimeSpan.Zero : age, _lastSuccessUtc, _lastError);
            }
        }
    }

    /// <inheritdoc />
    public void EnqueueSnapshot(StoredSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentException.ThrowIfNullOrEmpty(snapshot.PersistenceId);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = DateTime.UtcNow;
            var pending = new Pending(snapshot, ++_nextSerial, now);
            if (!_pids.TryGetValue(snapshot.PersistenceId, out var pid))
                _pids[snapshot.PersistenceId] = pid = new PidState();
            pending.QueueNode = _queue.AddLast(pending);
            pending.PidNode = pid.Queued.AddLast(pending);
            pid.LastSerial = pending.Serial;
            _queuedBytes += snapshot.Payload.Length;
            while (_queuedBytes > _settings.MaxQueuedBytes && SupersedeOldest(pid, pending)) { }
        }
        _wakeUp.Release();
    }

    /// <inheritdoc />
    public Task FlushAsync(string persistenceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_pids.TryGetValue(persistenceId, out var pid) || IsFlushed(pid, pid.LastSerial)) return Task.CompletedTask;
            // While storage refuses us for a reason only an operator can fix, say so now rather than wait for the next retry.
            if (_fatal is not null) return Task.FromException(_fatal);
            if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
            var waiter = new FlushWaiter(pid.LastSerial);
            pid.Waiters.Add(waiter);
            if (cancellationToken.CanBeCanceled)
                waiter.Registration = cancellationToken.Register(() =>
                {
                    lock (_gate)
                    {
                        pid.Waiters.Remove(waiter);
                        Forget(persistenceId, pid);
                    }
                    waiter.Completion.TrySetCanceled(cancellationToken);
                });
            return waiter.Completion.Task;
        }
    }

    /// <inheritdoc />
    public async Task<StoredSnapshot?> LoadNewestAsync(string persistenceId, long minSequenceNr, long maxSequenceNr, DateTime minTimestampUtc,
        DateTime maxTimestampUtc, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        var bounds = new Bounds(minSequenceNr, maxSequenceNr, minTimestampUtc, maxTimestampUtc);
        // A snapshot still waiting for upload is the newest state of this node; reading it keeps read-your-writes.
        StoredSnapshot? queued = null;
        lock (_gate)
        {
            if (_pids.TryGetValue(persistenceId, out var pid))
                foreach (var p in pid.Queued)
                    if (bounds.Contains(p.Snapshot.SequenceNr, p.Snapshot.TimestampUtc) && (queued is null || IsNewer(p.Snapshot, queued)))
                        queued = p.Snapshot;
        }
        var prefix = CheckpointKeys.SnapshotPrefix(persistenceId);
        var candidates = await ListSnapshotsAsync(prefix, cancellationToken).ConfigureAwait(false);
        for (var i = candidates.Count - 1; i >= 0; i--)
        {
            var (key, sequenceNr, ticks) = candidates[i];
            if (!bounds.Contains(sequenceNr, new DateTime(ticks, DateTimeKind.Utc))) continue;
            if (queued is not null && (queued.SequenceNr, SnapshotObject.ToUtc(queued.TimestampUtc).Ticks).CompareTo((sequenceNr, ticks)) >= 0) return queued;
            var bytes = await _store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (bytes is null) continue; // deleted by retention or a delete since the listing
            if (SnapshotObject.TryDecode(bytes, out var snapshot, out _, out var error)
                && snapshot!.PersistenceId == persistenceId && snapshot.SequenceNr == sequenceNr && snapshot.TimestampUtc.Ticks == ticks)
                return snapshot;
            if (snapshot is not null) error = $"its header names {snapshot.PersistenceId} at sequence nr {snapshot.SequenceNr}, not what its key says";
            _warn($"checkpoint object {_store.Location}/{key} is corrupt ({error}); falling back to the previous snapshot of {persistenceId}. " +
                  "Delete the object once the cause (disk, store or tampering) is understood.");
        }
        return queued;
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string persistenceId, long minSequenceNr, long maxSequenceNr, DateTime minTimestampUtc, DateTime maxTimestampUtc,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        var bounds = new Bounds(minSequenceNr, maxSequenceNr, minTimestampUtc, maxTimestampUtc);
        List<FlushWaiter> done = [];
        Task inFlight = Task.CompletedTask;
        lock (_gate)
        {
            if (_pids.TryGetValue(persistenceId, out var pid))
            {
                for (var node = pid.Queued.First; node is not null;)
                {
                    var next = node.Next;
                    var p = node.Value;
                    if (bounds.Contains(p.Snapshot.SequenceNr, p.Snapshot.TimestampUtc))
                    {
                        if (p.InFlight)
                        {
                            // Let the upload land (or fail) first, so the listing below sees it and nothing resurrects later.
                            p.DeleteAfterUpload = true;
                            inFlight = (p.Settled ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                        }
                        else
                        {
                            Remove(pid, p);
                        }
                    }
                    node = next;
                }
                CollectFlushed(pid, done);
                Forget(persistenceId, pid);
            }
        }
        foreach (var w in done) w.Complete();
        await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        var prefix = CheckpointKeys.SnapshotPrefix(persistenceId);
        foreach (var (key, sequenceNr, ticks) in await ListSnapshotsAsync(prefix, cancellationToken).ConfigureAwait(false))
            if (bounds.Contains(sequenceNr, new DateTime(ticks, DateTimeKind.Utc)))
                await _store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the worker; snapshots still queued are not uploaded (they remain in the local snapshot store).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose()) return;
        await _worker.ConfigureAwait(false);
    }

    /// <summary>As <see cref="DisposeAsync"/>, waiting at most a few seconds for an upload in flight to notice.</summary>
    public void Dispose()
    {
        if (!BeginDispose()) return;
        try
        {
            _worker.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The worker only ends by cancellation; nothing to report on shutdown.
        }
    }

    private bool BeginDispose()
    {
        List<FlushWaiter> waiters = [];
        int left;
        lock (_gate)
        {
            if (_disposed) return false;
            _disposed = true;
            left = _queue.Count;
            foreach (var p in _queue) p.Settled?.TrySetResult();
            foreach (var pid in _pids.Values)
            {
                waiters.AddRange(pid.Waiters);
                pid.Waiters.Clear();
            }
        }
        _stopping.Cancel();
        foreach (var w in waiters) w.Cancel();
        if (left > 0)
            _warn($"checkpoint storage {Location} stopped with {left} snapshot(s) not uploaded; they remain in the local snapshot store and the entities' next snapshots upload anew.");
        return true;
    }

    private async Task UploadLoopAsync()
    {
        var token = _stopping.Token;
        var failures = 0;
        while (!token.IsCancellationRequested)
        {
            Pending? item;
            lock (_gate)
            {
                item = _queue.First?.Value;
                if (item is not null) item.InFlight = true;
            }
            if (item is null)
            {
                try
                {
                    await _wakeUp.WaitAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                continue;
            }

            var snapshot = item.Snapshot;
            var key = CheckpointKeys.SnapshotKey(snapshot.PersistenceId, snapshot.SequenceNr, snapshot.TimestampUtc);
            try
            {
                var bytes = SnapshotObject.Encode(snapshot, out _);
                await _store.PutAsync(key, bytes, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                failures++;
                OnUploadFailed(item, key, e, failures);
                try
                {
                    await Task.Delay(Backoff(failures), token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                continue;
            }

            if (failures > 0)
                _warn($"checkpoint uploads to {Location} resumed after {failures} failed attempt(s).");
            failures = 0;
            try
            {
                // Retention runs before the snapshot leaves the queue, so a completed flush also means old ones are gone.
                await ApplyRetentionAsync(snapshot.PersistenceId, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The upload itself succeeded; what is left behind goes in the next upload's retention pass.
                _warn($"checkpoint retention for {snapshot.PersistenceId} in {Location} failed: {e.Message}");
            }
            if (!OnUploaded(item)) continue;
            try
            {
                await _store.DeleteAsync(key, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                _warn($"checkpoint {_store.Location}/{key} was deleted while it uploaded, and removing the upload failed: {e.Message}; delete it by hand if it matters.");
            }
        }
    }

    private void OnUploadFailed(Pending item, string key, Exception e, int failures)
    {
        var message = e is CdcException ? e.Message : $"could not upload {key} to {Location}: {e.GetType().Name}: {e.Message}";
        var fatal = e as CdcException is { Kind: FailureKind.Fatal } f ? f : null;
        List<FlushWaiter> failed = [], done = [];
        bool changed;
        lock (_gate)
        {
            item.InFlight = false;
            item.Settled?.TrySetResult();
            changed = _lastError != message;
            _lastError = message;
            _fatal = fatal;
            if (_pids.TryGetValue(item.Snapshot.PersistenceId, out var pid))
            {
                if (item.DeleteAfterUpload)
                {
                    // Deleted while its upload was failing: nothing left to upload.
                    Remove(pid, item);
                    CollectFlushed(pid, done);
                }
                if (fatal is not null)
                {
                    foreach (var w in pid.Waiters)
                        if (w.Target >= item.CoversFromSerial) failed.Add(w);
                    foreach (var w in failed) pid.Waiters.Remove(w);
                }
                Forget(item.Snapshot.PersistenceId, pid);
            }
        }
        foreach (var w in done) w.Complete();
        foreach (var w in failed) w.Fail(fatal!);
        if (failures == 1 || changed)
            _warn($"checkpoint upload failed (attempt {failures}; retrying with backoff up to {_settings.MaxBackoff}; snapshots stay queued): {message}");
    }

    /// <summary>Removes the uploaded snapshot from the queue; true when it was deleted while in flight.</summary>
    private bool OnUploaded(Pending item)
    {
        List<FlushWaiter> done = [];
        bool deleteAfterUpload;
        lock (_gate)
        {
            item.InFlight = false;
            item.Settled?.TrySetResult();
            deleteAfterUpload = item.DeleteAfterUpload;
            _lastSuccessUtc = DateTime.UtcNow;
            _lastError = null;
            _fatal = null;
            _warnedSupersede = false;
            _uploaded++;
            if (_pids.TryGetValue(item.Snapshot.PersistenceId, out var pid))
            {
                Remove(pid, item);
                CollectFlushed(pid, done);
                Forget(item.Snapshot.PersistenceId, pid);
            }
        }
        foreach (var w in done) w.Complete();
        return deleteAfterUpload;
    }

    private async Task ApplyRetentionAsync(string persistenceId, CancellationToken cancellationToken)
    {
        var stored = await ListSnapshotsAsync(CheckpointKeys.SnapshotPrefix(persistenceId), cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < stored.Count - _settings.Retain; i++)
            await _store.DeleteAsync(stored[i].Key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The snapshot objects under <paramref name="prefix"/>, oldest first (keys sort by sequence nr, then time).</summary>
    private async Task<List<(string Key, long SequenceNr, long Ticks)>> ListSnapshotsAsync(string prefix, CancellationToken cancellationToken)
    {
        var objects = await _store.ListAsync(prefix, cancellationToken).ConfigureAwait(false);
        var result = new List<(string, long, long)>(objects.Count);
        foreach (var o in objects)
            if (CheckpointKeys.TryParseSnapshotKey(o.Key, prefix, out var sequenceNr, out var ticks))
                result.Add((o.Key, sequenceNr, ticks));
        result.Sort((a, b) => (a.Item2, a.Item3).CompareTo((b.Item2, b.Item3)));
        return result;
    }

    /// <summary>Drops the oldest queued snapshot of <paramref name="pid"/> other than <paramref name="newest"/>; false when there is none.</summary>
    private bool SupersedeOldest(PidState pid, Pending newest)
    {
        for (var node = pid.Queued.First; node is not null; node = node.Next)
        {
            var p = node.Value;
            if (p.InFlight || ReferenceEquals(p, newest)) continue;
            // The next snapshot of this pid now stands for the dropped one: flushes waiting for it wait for that one.
            var successor = node.Next!.Value;
            successor.CoversFromSerial = Math.Min(successor.CoversFromSerial, p.CoversFromSerial);
            if (p.OldestEnqueuedUtc < successor.OldestEnqueuedUtc) successor.OldestEnqueuedUtc = p.OldestEnqueuedUtc;
            Remove(pid, p);
            _superseded++;
            if (!_warnedSupersede)
            {
                _warnedSupersede = true;
                _warn($"checkpoint upload queue for {Location} holds more than {_settings.MaxQueuedBytes} bytes; older queued snapshots " +
                      $"are superseded by newer ones of the same entity (first: {p.Snapshot.PersistenceId} at {p.Snapshot.SequenceNr}). " +
                      "Check that storage is reachable, or raise actorcdc.state.checkpoints.upload.max-queued-bytes.");
            }
            return true;
        }
        return false;
    }

    private void Remove(PidState pid, Pending p)
    {
        if (p.QueueNode is { List: not null } q) _queue.Remove(q);
        if (p.PidNode is { List: not null } n) pid.Queued.Remove(n);
        _queuedBytes -= p.Snapshot.Payload.Length;
    }

    /// <summary>Drops the bookkeeping of a persistence id with nothing queued and nobody waiting, so it does not grow without bound.</summary>
    private void Forget(string persistenceId, PidState pid)
    {
        if (pid.Queued.Count == 0 && pid.Waiters.Count == 0 && _pids.TryGetValue(persistenceId, out var current) && ReferenceEquals(current, pid))
            _pids.Remove(persistenceId);
    }

    private static bool IsFlushed(PidState pid, long target) =>
        pid.Queued.First is not { } first || first.Value.CoversFromSerial > target;

    private static void CollectFlushed(PidState pid, List<FlushWaiter> done)
    {
        for (var i = pid.Waiters.Count - 1; i >= 0; i--)
            if (IsFlushed(pid, pid.Waiters[i].Target))
            {
                done.Add(pid.Waiters[i]);
                pid.Waiters.RemoveAt(i);
            }
    }

    private TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 30);
        var delay = Math.Min(_settings.MaxBackoff.TotalMilliseconds, _settings.MinBackoff.TotalMilliseconds * Math.Pow(2, exponent));
        delay *= 1 + Random.Shared.NextDouble() * _settings.RandomFactor;
        return TimeSpan.FromMilliseconds(Math.Min(delay, _settings.MaxBackoff.TotalMilliseconds * (1 + _settings.RandomFactor)));
    }

    private static bool IsNewer(StoredSnapshot a, StoredSnapshot b) =>
        (a.SequenceNr, SnapshotObject.ToUtc(a.TimestampUtc).Ticks).CompareTo((b.SequenceNr, SnapshotObject.ToUtc(b.TimestampUtc).Ticks)) > 0;

    private readonly record struct Bounds(long MinSequenceNr, long MaxSequenceNr, DateTime MinTimestampUtc, DateTime MaxTimestampUtc)
    {
        public bool Contains(long sequenceNr, DateTime timestampUtc)
        {
            var ticks = SnapshotObject.ToUtc(timestampUtc).Ticks;
            return sequenceNr >= MinSequenceNr && sequenceNr <= MaxSequenceNr
                   && ticks >= SnapshotObject.ToUtc(MinTimestampUtc).Ticks && ticks <= SnapshotObject.ToUtc(MaxTimestampUtc).Ticks;
        }
    }

    private sealed class Pending(StoredSnapshot snapshot, long serial, DateTime enqueuedUtc)
    {
        public StoredSnapshot Snapshot { get; } = snapshot;
        public long Serial { get; } = serial;

        /// <summary>The smallest enqueue serial this snapshot stands for (its own, or that of snapshots it superseded).</summary>
        public long CoversFromSerial { get; set; } = serial;

        public DateTime OldestEnqueuedUtc { get; set; } = enqueuedUtc;
        public bool InFlight { get; set; }
        public bool DeleteAfterUpload { get; set; }

        /// <summary>Completed when the upload in flight ends either way; created by a delete that has to wait for it.</summary>
        public TaskCompletionSource? Settled { get; set; }
        public LinkedListNode<Pending>? QueueNode { get; set; }
        public LinkedListNode<Pending>? PidNode { get; set; }
    }

    private sealed class PidState
    {
        public LinkedList<Pending> Queued { get; } = new();
        public List<FlushWaiter> Waiters { get; } = [];
        public long LastSerial { get; set; }
    }

    private sealed class FlushWaiter(long target)
    {
        public long Target { get; } = target;
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationTokenRegistration Registration { get; set; }

        public void Complete()
        {
            Registration.Dispose();
            Completion.TrySetResult();
        }

        public void Fail(Exception e)
        {
            Registration.Dispose();
            Completion.TrySetException(e);
        }

        public void Cancel()
        {
            Registration.Dispose();
            Completion.TrySetCanceled();
        }
    }
}
