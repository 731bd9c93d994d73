using System.Collections.Concurrent;
using ActorCdc.Persistence.RocksDb.Checkpoints;

namespace ActorCdc.Persistence.RocksDb.Tests.Snapshot;

/// <summary>
/// In-memory <see cref="ICheckpointStore"/> recording what the snapshot store pushes and deletes; uploads complete at
/// once. <see cref="FailLoads"/> simulates storage that cannot be reached.
/// </summary>
public sealed class FakeCheckpointStore : ICheckpointStore
{
    private readonly object _gate = new();
    private readonly List<StoredSnapshot> _snapshots = new();

    public string Location => "fake://checkpoints";

    public ConcurrentQueue<StoredSnapshot> Enqueued { get; } = new();

    public ConcurrentQueue<string> Deletes { get; } = new();

    public Exception? FailLoads { get; set; }

    public CheckpointLag Lag => new(0, 0, TimeSpan.Zero, null, null);

    public IReadOnlyList<StoredSnapshot> Snapshots
    {
        get
        {
            lock (_gate) return _snapshots.ToList();
        }
    }

    /// <summary>Puts a snapshot into storage as if another node had uploaded it.</summary>
    public void Add(StoredSnapshot snapshot)
    {
        lock (_gate)
        {
            _snapshots.RemoveAll(s => s.PersistenceId == snapshot.PersistenceId && s.SequenceNr == snapshot.SequenceNr);
            _snapshots.Add(snapshot);
        }
    }

    public void EnqueueSnapshot(StoredSnapshot snapshot)
    {
        Enqueued.Enqueue(snapshot);
        Add(snapshot);
    }

    public Task FlushAsync(string persistenceId, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<StoredSnapshot?> LoadNewestAsync(string persistenceId, long minSequenceNr, long maxSequenceNr, DateTime minTimestampUtc,
        DateTime maxTimestampUtc, CancellationToken cancellationToken)
    {
        if (FailLoads is { } failure) return Task.FromException<StoredSnapshot?>(failure);
        lock (_gate)
        {
            return Task.FromResult(_snapshots
                .Where(s => Matches(s, persistenceId, minSequenceNr, maxSequenceNr, minTimestampUtc, maxTimestampUtc))
                .OrderByDescending(s => s.SequenceNr)
                .FirstOrDefault());
        }
    }

    public Task DeleteAsync(string persistenceId, long minSequenceNr, long maxSequenceNr, DateTime minTimestampUtc, DateTime maxTimestampUtc,
        CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _snapshots.RemoveAll(s => Matches(s, persistenceId, minSequenceNr, maxSequenceNr, minTimestampUtc, maxTimestampUtc));
        }
        Deletes.Enqueue($"{persistenceId} {minSequenceNr}..{maxSequenceNr}");
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static bool Matches(StoredSnapshot s, string persistenceId, long minSequenceNr, long maxSequenceNr, DateTime minTimestamp, DateTime maxTimestamp) =>
        s.PersistenceId == persistenceId && s.SequenceNr >= minSequenceNr && s.SequenceNr <= maxSequenceNr &&
        s.TimestampUtc >= minTimestamp && s.TimestampUtc <= maxTimestamp;
}
