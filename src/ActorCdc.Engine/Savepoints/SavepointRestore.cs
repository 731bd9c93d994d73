using ActorCdc.Persistence.RocksDb.Checkpoints;
using Akka.Actor;

namespace ActorCdc.Engine.Savepoints;

/// <summary>
/// Starts a node from a savepoint (<c>--from-savepoint pipeline/id</c>): before the pipelines start, every entry becomes
/// the newest snapshot of its entity, whatever the state backend. The slot replays what came after; replays are dropped by position.
/// </summary>
public static class SavepointRestore
{
    public static async Task<int> RestoreAsync(ActorSystem system, string pipeline, string savepointId, CancellationToken ct)
    {
        var store = CheckpointStorage.Get(system).Savepoints
            ?? throw new InvalidOperationException("--from-savepoint needs checkpoint storage (actorcdc.state.checkpoints.storage): savepoints are read from there");
        var savepoint = await store.ReadAsync(pipeline, savepointId, ct).ConfigureAwait(false);
        foreach (var entry in savepoint.Snapshots)
        {
            var state = SavepointPayload.Decode(system, entry.Payload.Span);
            await WaitForSeedAsync(system, entry.PersistenceId, state, ct).ConfigureAwait(false);
        }
        return savepoint.Snapshots.Count;
    }

    private static async Task WaitForSeedAsync(ActorSystem system, string persistenceId, object state, CancellationToken ct)
    {
        var done = new TaskCompletionSource();
        var probe = system.ActorOf(Props.Create(() => new Waiter(done)));
        system.ActorOf(SnapshotSeeder.Props(persistenceId, state, probe));
        await done.Task.WaitAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        system.Stop(probe);
    }

    private sealed class Waiter : ReceiveActor
    {
        public Waiter(TaskCompletionSource done) => Receive<SnapshotSeeder.Seeded>(_ => done.TrySetResult());
    }
}
