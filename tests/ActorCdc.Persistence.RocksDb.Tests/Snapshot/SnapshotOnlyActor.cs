using Akka.Actor;
using Akka.Persistence;

namespace ActorCdc.Persistence.RocksDb.Tests.Snapshot;

/// <summary>
/// A persistent actor without events that saves its whole state as a snapshot on every change, as the engine's
/// backfill coordinator does: every save is at sequence number 0 and replaces the previous one.
/// </summary>
public sealed class SnapshotOnlyActor : ReceivePersistentActor
{
    private string _state = "";
    private IActorRef? _requester;

    public SnapshotOnlyActor(string persistenceId)
    {
        PersistenceId = persistenceId;
        Recover<SnapshotOffer>(offer => _state = (string)offer.Snapshot);
        Command<Set>(set =>
        {
            _state = set.State;
            _requester = Sender;
            SaveSnapshot(_state);
        });
        Command<SaveSnapshotSuccess>(success => _requester?.Tell(success));
        Command<SaveSnapshotFailure>(failure => _requester?.Tell(failure));
        Command<Get>(_ => Sender.Tell(_state));
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId) => Akka.Actor.Props.Create(() => new SnapshotOnlyActor(persistenceId));

    public sealed record Set(string State);

    public sealed record Get;
}
