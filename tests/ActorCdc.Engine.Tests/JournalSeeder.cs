using Akka.Actor;
using Akka.Persistence;

namespace ActorCdc.Engine.Tests;

/// <summary>Writes given events and an optional snapshot under a persistence id, as an earlier incarnation would have.</summary>
public sealed class JournalSeeder : ReceivePersistentActor
{
    public sealed record Done;

    public JournalSeeder(string persistenceId, object? snapshot, IReadOnlyList<object> before, IReadOnlyList<object> after)
    {
        PersistenceId = persistenceId;
        Command<string>(_ =>
        {
            var sender = Sender;
            PersistAll(before, _ => { });
            DeferAsync(0, _ =>
            {
                if (snapshot is not null) SaveSnapshot(snapshot);
                else Finish(sender, after);
            });
            Become(() =>
            {
                Command<SaveSnapshotSuccess>(_ => Finish(sender, after));
                Command<SaveSnapshotFailure>(f => throw f.Cause);
            });
        });
    }

    public override string PersistenceId { get; }

    private void Finish(IActorRef sender, IReadOnlyList<object> after)
    {
        PersistAll(after, _ => { });
        DeferAsync(0, _ => sender.Tell(new Done()));
    }
}
