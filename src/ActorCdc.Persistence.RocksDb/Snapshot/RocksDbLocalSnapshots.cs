using System.Buffers.Binary;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using RocksDbSharp;

namespace ActorCdc.Persistence.RocksDb.Snapshot;

/// <summary>
/// Snapshots in the <c>snapshots</c> column family of the shared database, key (persistence key, sequence number),
/// value <c>version(1) timestamp ticks(i64) blob</c>. Writes are synced: the engine deletes the events below a
/// snapshot as soon as it is acknowledged.
/// </summary>
internal sealed class RocksDbLocalSnapshots(RocksDbStore store) : ILocalSnapshots
{
    private const byte Version = 1;
    private const int HeaderSize = 1 + 8;
    private readonly WriteOptions _sync = new WriteOptions().SetSync(true);

    public bool IsInMemory => false;

    public void Save(string persistenceId, long sequenceNr, DateTime timestamp, byte[] blob)
    {
        using var _ = Use();
        var key = StoreKeys.Entry(store.GetOrAddPersistenceKey(persistenceId), sequenceNr);
        var value = new byte[HeaderSize + blob.Length];
        value[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(value.AsSpan(1), timestamp.Ticks);
        blob.CopyTo(value.AsSpan(HeaderSize));
        store.Db.Put(key, value, store.Snapshots, _sync);
    }

    public StoredSnapshot? LoadNewest(string persistenceId, long minSequenceNr, long maxSequenceNr, DateTime minTimestamp, DateTime maxTimestamp)
    {
        using var _ = Use();
        if (!store.TryGetPersistenceKey(persistenceId, out var key) || maxSequenceNr < minSequenceNr) return null;
        var readOptions = new ReadOptions()
            .SetIterateLowerBound(StoreKeys.Entry(key, Math.Max(0, minSequenceNr)))
            .SetIterateUpperBound(StoreKeys.UpperBound(key, maxSequenceNr));
        using var iterator = store.Db.NewIterator(store.Snapshots, readOptions);
        StoredSnapshot? found = null;
        for (iterator.SeekToLast(); iterator.Valid(); iterator.Prev())
        {
            var timestamp = Timestamp(iterator.GetValueSpan(), persistenceId);
            if (timestamp < minTimestamp || timestamp > maxTimestamp) continue;
            var value = iterator.Value();
            found = new StoredSnapshot(persistenceId, StoreKeys.SequenceNr(iterator.GetKeySpan()), timestamp, value.AsMemory(HeaderSize));
            break;
        }
        GC.KeepAlive(readOptions); // the native iterator uses its bounds
        return found;
    }

    public void Delete(string persistenceId, long sequenceNr, DateTime? maxTimestamp)
    {
        using var _ = Use();
        if (!store.TryGetPersistenceKey(persistenceId, out var key)) return;
        var entry = StoreKeys.Entry(key, sequenceNr);
        if (maxTimestamp is { } max)
        {
            // A snapshot newer than the metadata's timestamp was saved after the delete was decided: keep it.
            var value = store.Db.Get(entry, store.Snapshots);
            if (value is null || Timestamp(value, persistenceId) > max) return;
        }
        store.Db.Remove(entry, store.Snapshots, _sync);
    }

    public void Delete(string persistenceId, long minSequenceNr, long maxSequenceNr, DateTime minTimestamp, DateTime maxTimestamp)
    {
        using var _ = Use();
        if (!store.TryGetPersistenceKey(persistenceId, out var key) || maxSequenceNr < minSequenceNr) return;
        var readOptions = new ReadOptions()
            .SetIterateLowerBound(StoreKeys.Entry(key, Math.Max(0, minSequenceNr)))
            .SetIterateUpperBound(StoreKeys.UpperBound(key, maxSequenceNr));
        using var batch = new WriteBatch();
        using (var iterator = store.Db.NewIterator(store.Snapshots, readOptions))
        {
            for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
            {
                var timestamp = Timestamp(iterator.GetValueSpan(), persistenceId);
                if (timestamp >= minTimestamp && timestamp <= maxTimestamp) batch.Delete(iterator.Key(), store.Snapshots);
            }
        }
        GC.KeepAlive(readOptions);
        if (batch.Count() > 0) store.Db.Write(batch, _sync);
    }

    public void Dispose() => store.Release();

    private static DateTime Timestamp(ReadOnlySpan<byte> value, string persistenceId)
    {
        if (value.Length < HeaderSize || value[0] != Version)
            throw new System.Runtime.Serialization.SerializationException(
                $"A local snapshot of '{persistenceId}' has an unknown record format (version byte {(value.Length > 0 ? value[0] : -1)}).");
        return new DateTime(BinaryPrimitives.ReadInt64LittleEndian(value[1..]), DateTimeKind.Utc);
    }

    /// <summary>Keeps the database open for the duration of one call, which may run after the snapshot store stopped.</summary>
    private Lease Use() => store.TryAddReference()
        ? new Lease(store)
        : throw new InvalidOperationException("The RocksDB snapshot store is stopping.");

    private readonly struct Lease(RocksDbStore store) : IDisposable
    {
        public void Dispose() => store.Release();
    }
}
