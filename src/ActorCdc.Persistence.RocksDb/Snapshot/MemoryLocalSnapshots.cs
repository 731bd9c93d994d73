using ActorCdc.Persistence.RocksDb.Checkpoints;

namespace ActorCdc.Persistence.RocksDb.Snapshot;

/// <summary>Snapshots of <c>local = memory</c> (state.backend = memory): serialized blobs in memory, lost with the process.</summary>
internal sealed class MemoryLocalSnapshots : ILocalSnapshots
{
    private readonly Dictionary<string, SortedList<long, StoredSnapshot>> _snapshots = new(StringComparer.Ordinal);

    public bool IsInMemory => true;

    public void Save(string persistenceId, long sequenceNr, DateTime timestamp, byte[] blob)
    {
        lock (_snapshots)
        {
            if (!_snapshots.TryGetValue(persistenceId, out var list))
                _snapshots[persistenceId] = list = new SortedList<long, StoredSnapshot>();
            list[sequenceNr] = new StoredSnapshot(persistenceId, sequenceNr, timestamp, blob);
        }
    }

    public StoredSnapshot? LoadNewest(string persistenceId, long minSequenceNr, long maxSequenceNr, DateTime minTimestamp, DateTime maxTimestamp)
    {
        lock (_snapshots)
        {
            if (!_snapshots.TryGetValue(persistenceId, out var list)) return null;
            for (var i = list.Count - 1; i >= 0; i--)
            {
                var s = list.Values[i];
                if (s.SequenceNr <= maxSequenceNr && s.SequenceNr >= minSequenceNr && s.TimestampUtc >= minTimestamp && s.TimestampUtc <= maxTimestamp)
                    return s;
            }
            return null;
        }
    }

    public void Delete(string persistenceId, long sequenceNr, DateTime? maxTimestamp)
    {
        lock (_snapshots)
        {
            if (_snapshots.TryGetValue(persistenceId, out var list) && list.TryGetValue(sequenceNr, out var s) &&
                (maxTimestamp is null || s.TimestampUtc <= maxTimestamp))
                list.Remove(sequenceNr);
        }
    }

    public void Delete(string persistenceId, long minSequenceNr, long maxSequenceNr, DateTime minTimestamp, DateTime maxTimestamp)
    {
        lock (_snapshots)
        {
            if (!_snapshots.TryGetValue(persistenceId, out var list)) return;
            for (var i = list.Count - 1; i >= 0; i--)
            {
                var s = list.Values[i];
                if (s.SequenceNr <= maxSequenceNr && s.SequenceNr >= minSequenceNr && s.TimestampUtc >= minTimestamp && s.TimestampUtc <= maxTimestamp)
                    list.RemoveAt(i);
            }
        }
    }

    public void Dispose()
    {
    }
}
