using System.Collections.Concurrent;
using Akka.Event;
using ActorCdc.Core.Failures;
using ActorCdc.Persistence.RocksDb.Settings;
using RocksDbSharp;

namespace ActorCdc.Persistence.RocksDb.Journal;

/// <summary>
/// The journal's single writer: merges the writes queued by concurrent WriteMessagesAsync calls (all persistence ids)
/// into one RocksDB write batch, so one WAL append and, under <c>sync = every-batch</c>, one fsync serve them all.
/// Deletes go through the same queue, so they apply after the writes queued before them. It also fsyncs the WAL on a
/// timer under <c>sync = interval</c> and compacts deleted ranges once enough events were deleted.
/// </summary>
/// <remarks>
/// The loop runs on a dedicated thread and completes a batch's calls on that thread: a queued write wakes it without
/// waiting behind actor work in the thread pool, and the completions (Akka's reply path, a few Tells per call) cost
/// no further dispatch. Nothing blocking ever runs in those continuations.
/// </remarks>
internal sealed class JournalWriter : IDisposable
{
    private readonly RocksDbStore _store;
    private readonly RocksDbJournalSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly BlockingCollection<Operation> _queue = new(new ConcurrentQueue<Operation>());
    private readonly WriteOptions _writeOptions;
    private readonly Thread _loop;
    private readonly Timer? _syncTimer;
    private readonly object _syncLock = new();
    private bool _closed;
    private int _unsyncedWrites;

    // Touched by the writer loop only.
    private readonly Dictionary<uint, long> _deletedTo = new();
    private long _deletedSinceCompaction;
    private uint _compactFrom = uint.MaxValue;
    private uint _compactTo;
    private Task _compaction = Task.CompletedTask;

    public JournalWriter(RocksDbStore store, RocksDbJournalSettings settings, ILoggingAdapter log)
    {
        _store = store;
        _settings = settings;
        _log = log;
        _writeOptions = new WriteOptions().SetSync(settings.Sync == JournalSyncMode.EveryBatch);
        _loop = new Thread(Run) { IsBackground = true, Name = "rocksdb-journal-writer" };
        _loop.Start();
        if (settings.Sync == JournalSyncMode.Interval)
            _syncTimer = new Timer(static s => ((JournalWriter)s!).SyncWal(), this, settings.SyncInterval, settings.SyncInterval);
    }

    /// <summary>Queues the entries of one call; completes when they are stored (and synced, per the policy). Takes ownership of <paramref name="entries"/>.</summary>
    public Task AppendAsync(JournalEntryBuffer entries)
    {
        var operation = new AppendOperation(entries);
        if (TryQueue(operation)) return operation.Done.Task;
        entries.Return();
        return Task.FromException(Stopping());
    }

    /// <summary>Queues the deletion of the entity's events up to <paramref name="toSequenceNr"/> inclusive.</summary>
    public Task DeleteToAsync(uint persistenceKey, long toSequenceNr)
    {
        var operation = new DeleteOperation(persistenceKey, toSequenceNr);
        return TryQueue(operation) ? operation.Done.Task : Task.FromException(Stopping());
    }

    private bool TryQueue(Operation operation)
    {
        try
        {
            return _queue.TryAdd(operation);
        }
        catch (InvalidOperationException)
        {
            return false; // completed for adding: the journal is stopping
        }
    }

    private void Run()
    {
        using var batch = new WriteBatch();
        var pending = new List<AppendOperation>();
        foreach (var first in _queue.GetConsumingEnumerable())
        {
            try
            {
                long bytes = 0;
                var operation = first;
                do
                {
                    switch (operation)
                    {
                        case AppendOperation append:
                            pending.Add(append);
                            append.Entries.AddTo(batch, _store.Journal);
                            bytes += append.Entries.ByteLength;
                            break;
                        case DeleteOperation delete:
                            Commit(batch, pending);
                            Delete(delete);
                            break;
                    }
                } while (bytes < _settings.MaxBatchBytes && _queue.TryTake(out operation));
                Commit(batch, pending);
            }
            catch (Exception e)
            {
                // Not expected (Commit and Delete report their own failures); the loop must survive whatever it is.
                _log.Error(e, "The RocksDB journal writer failed to prepare a batch; its writes are reported as failed");
                batch.Clear();
                foreach (var append in pending)
                {
                    append.Entries.Return();
                    append.Done.TrySetException(e);
                }
                pending.Clear();
            }
        }
    }

    private void Commit(WriteBatch batch, List<AppendOperation> pending)
    {
        if (pending.Count == 0) return;
        Exception? failure = null;
        try
        {
            if (_store.JournalWriteFault?.Invoke() is { } fault) throw fault;
            _store.Db.Write(batch, _writeOptions);
            _store.CountJournalBatch();
            if (_settings.Sync == JournalSyncMode.Interval) Volatile.Write(ref _unsyncedWrites, 1);
        }
        catch (Exception e)
        {
            failure = CdcException.Transient(
                $"Writing {pending.Count} event batch(es) to the RocksDB journal at '{_store.Options.Path}' failed: {e.Message}. " +
                "The events were not stored; check free space and the health of the disk.", e);
            _log.Error(e, "RocksDB journal write of {0} merged call(s) failed", pending.Count);
        }
        finally
        {
            batch.Clear();
        }
        foreach (var append in pending)
        {
            append.Entries.Return();
            if (failure is null) append.Done.TrySetResult();
            else append.Done.TrySetException(failure);
        }
        pending.Clear();
    }

    private void Delete(DeleteOperation operation)
    {
        try
        {
            var to = Math.Min(operation.ToSequenceNr, _store.ReadHighestSequenceNr(operation.PersistenceKey));
            _deletedTo.TryGetValue(operation.PersistenceKey, out var previous);
            if (to > previous)
            {
                // Keys up to `previous` are already covered by an earlier tombstone of this process.
                var start = StoreKeys.Entry(operation.PersistenceKey, previous + 1);
                var end = StoreKeys.UpperBound(operation.PersistenceKey, to);
                using var batch = new WriteBatch();
                batch.DeleteRange(start, (ulong)start.Length, end, (ulong)end.Length, _store.Journal);
                _store.Db.Write(batch, _writeOptions);
                _deletedTo[operation.PersistenceKey] = to;
                NoteDeleted(operation.PersistenceKey, to - previous);
            }
            operation.Done.TrySetResult();
        }
        catch (Exception e)
        {
            operation.Done.TrySetException(CdcException.Transient(
                $"Deleting events up to {operation.ToSequenceNr} in the RocksDB journal at '{_store.Options.Path}' failed: {e.Message}.", e));
        }
    }

    private void NoteDeleted(uint persistenceKey, long count)
    {
        _deletedSinceCompaction += count;
        _compactFrom = Math.Min(_compactFrom, persistenceKey);
        _compactTo = Math.Max(_compactTo, persistenceKey);
        if (_deletedSinceCompaction < _settings.CompactAfterDeletedEvents || !_compaction.IsCompleted) return;

        // One CompactRange over the span of entities with deletions: range tombstones and the values they cover are
        // dropped now instead of whenever background compaction reaches them, so disk use follows live data.
        var from = StoreKeys.Entry(_compactFrom, 0);
        var to = StoreKeys.EndOf(_compactTo);
        _deletedSinceCompaction = 0;
        _compactFrom = uint.MaxValue;
        _compactTo = 0;
        if (!_store.TryAddReference()) return;
        _store.CountJournalCompaction();
        _compaction = Task.Run(() =>
        {
            try
            {
                _store.Db.CompactRange(from, to, _store.Journal);
            }
            catch (Exception e)
            {
                _log.Warning("Compacting deleted events in the RocksDB journal at '{0}' failed (retried after further deletes): {1}", _store.Options.Path, e.Message);
            }
            finally
            {
                _store.Release();
            }
        });
    }

    private void SyncWal()
    {
        if (Interlocked.Exchange(ref _unsyncedWrites, 0) == 0) return;
        lock (_syncLock)
        {
            if (_closed) return;
            try
            {
                Native.Instance.rocksdb_flush_wal(_store.Db.Handle, 1);
            }
            catch (Exception e)
            {
                Volatile.Write(ref _unsyncedWrites, 1);
                _log.Error(e, "Syncing the WAL of the RocksDB journal at '{0}' failed; retrying at the next interval", _store.Options.Path);
            }
        }
    }

    /// <summary>Stops accepting work, drains the queue, syncs what is unsynced; the caller then releases the store.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        if (!_loop.Join(TimeSpan.FromSeconds(30)))
            _log.Warning("The RocksDB journal writer did not drain within 30s; closing anyway");
        if (_syncTimer is not null)
        {
            using var stopped = new ManualResetEvent(false);
            if (_syncTimer.Dispose(stopped)) stopped.WaitOne(TimeSpan.FromSeconds(10));
            SyncWal();
        }
        lock (_syncLock) _closed = true;
    }

    private static InvalidOperationException Stopping() => new("The RocksDB journal is stopping; the write was not stored.");

    private abstract class Operation
    {
        // Continuations run synchronously on the writer thread (see the class remarks).
        public TaskCompletionSource Done { get; } = new();
    }

    private sealed class AppendOperation(JournalEntryBuffer entries) : Operation
    {
        public JournalEntryBuffer Entries { get; } = entries;
    }

    private sealed class DeleteOperation(uint persistenceKey, long toSequenceNr) : Operation
    {
        public uint PersistenceKey { get; } = persistenceKey;
        public long ToSequenceNr { get; } = toSequenceNr;
    }
}
