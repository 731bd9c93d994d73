using Akka.Actor;
using Akka.Persistence;

namespace ActorCdc.Persistence.RocksDb.Tests.Journal;

/// <summary>
/// A persistent actor for end-to-end specs: persists each <see cref="Add"/>, snapshots its items on <see cref="TakeSnapshot"/>
/// (a comma-joined string, so JSON serialization round-trips it) and then deletes the events below it, answers <see cref="GetState"/> with what it recovered.
/// </summary>
public sealed class RecordingActor : ReceivePersistentActor
{
    private readonly List<string> _items = new();
    private IActorRef? _snapshotRequester;

    public RecordingActor(string persistenceId)
    {
        PersistenceId = persistenceId;
        Recover<SnapshotOffer>(offer =>
        {
            _items.Clear();
            var joined = (string)offer.Snapshot;
            if (joined.Length > 0) _items.AddRange(joined.Split(','));
        });
        Recover<string>(item => _items.Add(item));
        Command<Add>(add => Persist(add.Item, item =>
        {
            _items.Add(item);
            Sender.Tell(new Added(item, LastSequenceNr));
        }));
        Command<TakeSnapshot>(_ =>
        {
            _snapshotRequester = Sender;
            SaveSnapshot(string.Join(",", _items));
        });
        Command<SaveSnapshotSuccess>(success =>
        {
            _snapshotRequester?.Tell(new SnapshotTaken(success.Metadata.SequenceNr));
            // As the engine does: events below a snapshot are deleted once the snapshot is stored.
            DeleteMessages(success.Metadata.SequenceNr);
        });
        Command<SaveSnapshotFailure>(failure => _snapshotRequester?.Tell(failure));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<GetState>(_ => Sender.Tell(new State(_items.ToArray(), LastSequenceNr)));
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId) => Akka.Actor.Props.Create(() => new RecordingActor(persistenceId));

    public sealed record Add(string Item);

    public sealed record Added(string Item, long SequenceNr);

    public sealed record TakeSnapshot;

    public sealed record SnapshotTaken(long SequenceNr);

    public sealed record GetState;

    public sealed record State(string[] Items, long LastSequenceNr);
}
