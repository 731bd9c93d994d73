using ActorCdc.Engine.Protocol;
using Akka.Actor;
using Akka.Persistence;

namespace ActorCdc.Engine.Savepoints;

/// <summary>
/// Job: writes one savepoint entry as the newest snapshot of its persistence id, above anything the local journal
/// holds (a marker event first, then the snapshot), so the entity starts from the savepoint. A table entity's state
/// gets a new epoch: local events of earlier incarnations are then discarded on recovery (DESIGN.md §3.6).
/// Supervision: a short-lived actor created by <see cref="SavepointRestore"/>; it stops itself after answering.
/// </summary>
public sealed class SnapshotSeeder : ReceivePersistentActor
{
    public sealed record Seeded(string PersistenceId);

    public SnapshotSeeder(string persistenceId, object state, IActorRef replyTo)
    {
        PersistenceId = persistenceId;
        var epoch = DateTime.UtcNow.Ticks;
        var seeded = state is TableEntitySnapshot s ? s with { Epoch = epoch } : state;
        Recover<RecoveryCompleted>(_ => Persist(new EpochStarted(epoch), _ => SaveSnapshot(seeded)));
        Command<SaveSnapshotSuccess>(_ =>
        {
            replyTo.Tell(new Seeded(PersistenceId));
            Context.Stop(Self);
        });
        Command<SaveSnapshotFailure>(f => throw f.Cause);
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId, object state, IActorRef replyTo) =>
        Akka.Actor.Props.Create(() => new SnapshotSeeder(persistenceId, state, replyTo));
}
