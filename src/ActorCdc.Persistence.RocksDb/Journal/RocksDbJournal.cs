using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Journal;
using ActorCdc.Persistence.RocksDb.Settings;
using RocksDbSharp;

namespace ActorCdc.Persistence.RocksDb.Journal;

/// <summary>
/// Akka.Persistence journal on local RocksDB (<c>akka.persistence.journal.rocksdb</c>): one atomic write batch per
/// AtomicWrite, writes of all entities merged by a single writer, highest sequence numbers kept across deletes.
/// </summary>
/// <remarks>
/// Owns the journal's view of the shared <see cref="RocksDbStore"/> and its <see cref="JournalWriter"/>; started and
/// supervised by Akka.Persistence like any journal plugin (its supervisor-strategy key), which stops it on failure
/// to open the database.
/// </remarks>
public sealed class RocksDbJournal : AsyncWriteJournal
{
    private readonly RocksDbJournalSettings _settings;
    private readonly EventRecordCodec _codec;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    // Write task in flight per persistence id, awaited before reading the highest sequence number so a restarting
    // actor never reuses sequence numbers of writes that are still being stored. Removed when the write completes.
    private readonly ConcurrentDictionary<string, Task> _writesInProgress = new(StringComparer.Ordinal);

    private RocksDbStore? _store;
    private JournalWriter? _writer;

    public RocksDbJournal(Config config)
    {
        RocksDbPersistence.Get(Context.System);
        _settings = RocksDbJournalSettings.Create(config);
        _codec = new EventRecordCodec((ExtendedActorSystem)Context.System);
    }

    private JournalWriter Writer => _writer ?? throw new InvalidOperationException("The RocksDB journal has not started.");

    protected override void PreStart()
    {
        _store = RocksDbStore.Acquire(_settings.Store);
        _writer = new JournalWriter(_store, _settings, _log);
        _log.Info("RocksDB journal at '{0}' started (sync = {1})", _settings.Store.Path, _settings.Sync);
        base.PreStart();
    }

    protected override void PostStop()
    {
        try
        {
            _writer?.Dispose();
        }
        finally
        {
            _store?.Release();
            _store = null;
            base.PostStop();
        }
    }

    protected override Task<IImmutableList<Exception?>?> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        // The token is not passed on: a RocksDB write cannot be cancelled half-way, and the circuit breaker already
        // reports a timed-out call as failed.
        var store = Store;
        var writes = messages as IReadOnlyList<AtomicWrite> ?? messages.ToList();
        var entries = JournalEntryBuffer.Rent();
        Exception?[]? rejections = null;
        var persistenceIds = new List<string>(writes.Count);
        try
        {
            for (var i = 0; i < writes.Count; i++)
            {
                var write = writes[i];
                // Outside the rejection handling: failing to record a new entity is a storage failure, not a rejection.
                var key = store.GetOrAddPersistenceKey(write.PersistenceId);
                var mark = entries.Mark();
                try
                {
                    foreach (var persistent in (IImmutableList<IPersistentRepresentation>)write.Payload)
                        _codec.Append(entries, key, persistent);
                    AppendHighestSequenceNr(entries, key, write.HighestSequenceNr);
                    if (!persistenceIds.Contains(write.PersistenceId)) persistenceIds.Add(write.PersistenceId);
                }
                catch (Exception e)
                {
                    // Serialization failed: this AtomicWrite is rejected (not stored), the others go on.
                    entries.Rollback(mark);
                    (rejections ??= new Exception?[writes.Count])[i] = e;
                }
            }
        }
        catch
        {
            entries.Return();
            throw;
        }

        if (entries.Count == 0)
        {
            entries.Return();
            return Task.FromResult<IImmutableList<Exception?>?>(rejections?.ToImmutableList());
        }
        var stored = Writer.AppendAsync(entries);
        foreach (var id in persistenceIds) _writesInProgress[id] = stored;
        return Complete(stored, rejections, persistenceIds, _writesInProgress);

        static async Task<IImmutableList<Exception?>?> Complete(Task stored, Exception?[]? rejections, List<string> persistenceIds,
            ConcurrentDictionary<string, Task> writesInProgress)
        {
            try
            {
                await stored.ConfigureAwait(false);
            }
            finally
            {
                // Only if no later write of the same id replaced this one.
                foreach (var id in persistenceIds) writesInProgress.TryRemove(new KeyValuePair<string, Task>(id, stored));
            }
            return rejections?.ToImmutableList();
        }
    }

    private static void AppendHighestSequenceNr(JournalEntryBuffer entries, uint key, long highestSequenceNr)
    {
        var span = entries.Append(StoreKeys.Length, 8);
        StoreKeys.Write(span, key, 0);
        BinaryPrimitives.WriteInt64LittleEndian(span[StoreKeys.Length..], highestSequenceNr);
    }

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken)
    {
        if (_writesInProgress.TryGetValue(persistenceId, out var inProgress))
        {
            try
            {
                await inProgress.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The failed write was reported to its actor; what matters here is that it is no longer in flight.
            }
        }
        var store = Store;
        return store.TryGetPersistenceKey(persistenceId, out var key) ? store.ReadHighestSequenceNr(key) : 0;
    }

    public override Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<IPersistentRepresentation> recoveryCallback)
    {
        var store = Store;
        if (max <= 0 || toSequenceNr < fromSequenceNr || toSequenceNr < 1 || !store.TryGetPersistenceKey(persistenceId, out var key))
            return Task.CompletedTask;
        // The replay may outlive this actor (a stop during recovery): it holds its own reference to the database.
        if (!store.TryAddReference()) return Task.FromException(new InvalidOperationException("The RocksDB journal is stopping."));
        return Task.Run(() =>
        {
            try
            {
                Replay(store, key, persistenceId, Math.Max(1, fromSequenceNr), toSequenceNr, max, recoveryCallback);
            }
            finally
            {
                store.Release();
            }
        });
    }

    private void Replay(RocksDbStore store, uint key, string persistenceId, long from, long to, long max,
        Action<IPersistentRepresentation> recoveryCallback)
    {
        var lower = StoreKeys.Entry(key, from);
        var readOptions = new ReadOptions()
            .SetIterateLowerBound(lower)
            .SetIterateUpperBound(StoreKeys.UpperBound(key, to));
        using var iterator = store.Db.NewIterator(store.Journal, readOptions);
        long replayed = 0;
        for (iterator.Seek(lower); iterator.Valid() && replayed < max; iterator.Next())
        {
            var sequenceNr = StoreKeys.SequenceNr(iterator.GetKeySpan());
            recoveryCallback(_codec.Read(iterator.GetValueSpan(), persistenceId, sequenceNr));
            replayed++;
        }
        GC.KeepAlive(readOptions); // the native iterator uses its bounds
    }

    protected override Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken)
    {
        var store = Store;
        if (toSequenceNr < 1 || !store.TryGetPersistenceKey(persistenceId, out var key)) return Task.CompletedTask;
        return Writer.DeleteToAsync(key, toSequenceNr);
    }

    private RocksDbStore Store => _store ?? throw new InvalidOperationException("The RocksDB journal has not started.");
}
