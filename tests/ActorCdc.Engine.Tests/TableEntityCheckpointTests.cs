using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Tables;
using Akka.Actor;
using Akka.Configuration;
using Xunit;

namespace ActorCdc.Engine.Tests;

/// <summary>Restart from the last snapshot (DESIGN.md §3.6): epochs, checkpoints, sinks that commit at checkpoints.</summary>
public class TableEntityCheckpointTests : EntityTestKit
{
    private static PipelineRegistry Registry(ISinkFactory sink) => Registry(sink, pipelineKeys: "checkpoints.interval = 100ms");

    [Fact]
    public void Local_events_of_another_incarnation_are_discarded_and_those_of_the_snapshots_epoch_applied()
    {
        var seeder = Sys.ActorOf(Props.Create(() => new JournalSeeder("table|" + EntityId,
            new TableEntitySnapshot(new SourcePosition(new Lsn(100), 9), 5, null),
            new object[] { new TableBatchPersisted(4, Batch(50, 0, 0)) },
            new object[] { new TableBatchPersisted(999, Batch(200, 0, 0)), new TableBatchPersisted(5, Batch(300, 0, 1)) })));
        seeder.Tell("go");
        ExpectMsg<JournalSeeder.Done>();
        Sys.Stop(seeder);

        var sink = new RecordingSinkFactory { Held = null };
        Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink)));
        AwaitCondition(() => sink.Applied.Count == 2, TimeSpan.FromSeconds(10));
        Assert.All(sink.Applied, c => Assert.Equal(new Lsn(300), c.Position.CommitLsn));
    }

    [Fact]
    public void After_a_snapshot_that_left_a_journal_gap_later_local_events_are_discarded_so_the_slots_replay_fills_the_gap()
    {
        // The snapshot was taken while the batch at 200 was persisted but neither applied nor shipped; Akka replays only
        // the event at 300 after it. Recovering that one would make the slot's replay of 200 look like a duplicate.
        var seeder = Sys.ActorOf(Props.Create(() => new JournalSeeder("table|" + EntityId,
            new TableEntitySnapshot(new SourcePosition(new Lsn(100), 9), 5, null) { JournalGap = true },
            new object[] { new TableBatchPersisted(5, Batch(200, 0, 0)) },
            new object[] { new TableBatchPersisted(5, Batch(300, 0, 1)) })));
        seeder.Tell("go");
        ExpectMsg<JournalSeeder.Done>();
        Sys.Stop(seeder);

        var sink = new RecordingSinkFactory { Held = null };
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink)));
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(200, 0, 0)));
        ExpectMsg<BatchPersisted>(TimeSpan.FromSeconds(10));
        entity.Tell(new EntityChanges("p", 1, 2, 8, Batch(300, 0, 1)));
        FishForMessage<BatchPersisted>(_ => true, TimeSpan.FromSeconds(10));
        AwaitCondition(() => sink.Applied.Count == 3, TimeSpan.FromSeconds(10), message: $"applied: {sink.Applied.Count}");
        Assert.Equal([new Lsn(200), new Lsn(300), new Lsn(300)], sink.Applied.Select(c => c.Position.CommitLsn).ToList());
    }

    [Fact]
    public void A_restarted_entity_resumes_from_its_checkpoint_and_does_not_apply_a_replay_again()
    {
        var sink = new RecordingSinkFactory { Held = null };
        var registry = Registry(sink);
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, registry));
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 2)));
        ExpectMsg<BatchPersisted>();
        ExpectMsg<BatchDurable>();
        // Let a checkpoint run, then stop the entity as sharding does on hand-off.
        Watch(entity);
        entity.Tell(HandOff.Instance);
        ExpectTerminated(entity, TimeSpan.FromSeconds(10));

        var again = Sys.ActorOf(TableEntity.Props(EntityId, registry));
        again.Tell(new EntityChanges("p", 2, 1, 7, Batch(100, 0, 3)));
        var persisted = ExpectMsg<BatchPersisted>(TimeSpan.FromSeconds(10));
        Assert.Equal(new SourcePosition(new Lsn(100), 2), persisted.Applied);
        ExpectMsg<BatchDurable>();
        Assert.Equal([0L, 1, 2, 3], sink.Applied.Select(c => c.Position.Index).ToList());
    }

    [Fact]
    public void A_sink_that_commits_at_checkpoints_is_durable_only_after_the_checkpoint_commits()
    {
        var sink = new TwoPhaseSinkFactory();
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink)));
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 2)));
        ExpectMsg<BatchPersisted>();
        var durable = ExpectMsg<BatchDurable>(TimeSpan.FromSeconds(10));
        Assert.Equal(new SourcePosition(new Lsn(100), 2), durable.Applied);
        Assert.Equal(["write 3", "prepare 0/64#2", "commit 0/64#2"], sink.Log.Take(3).ToList());
    }

    [Fact]
    public void An_operators_checkpoint_is_taken_at_once_even_when_nothing_changed_and_answers_every_asker()
    {
        var sink = new RecordingSinkFactory { Held = null };
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink, pipelineKeys: "checkpoints.interval = 1h")));
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 2)));
        ExpectMsg<BatchPersisted>();
        ExpectMsg<BatchDurable>(TimeSpan.FromSeconds(10));

        entity.Tell(new TakeCheckpoint("p", Schema.Table));
        var first = ExpectMsg<CheckpointTaken>(TimeSpan.FromSeconds(10));
        Assert.Null(first.Error);
        Assert.Equal(new SourcePosition(new Lsn(100), 2), first.Applied);
        Assert.True(first.SequenceNr > 0);

        // Nothing changed since: a periodic checkpoint would skip it, an operator's is taken anyway; two askers at once both hear.
        var other = CreateTestProbe();
        entity.Tell(new TakeCheckpoint("p", Schema.Table));
        entity.Tell(new TakeCheckpoint("p", Schema.Table), other.Ref);
        var second = ExpectMsg<CheckpointTaken>(TimeSpan.FromSeconds(10));
        var third = other.ExpectMsg<CheckpointTaken>(TimeSpan.FromSeconds(10));
        Assert.Null(second.Error);
        Assert.Null(third.Error);
        Assert.Equal(first.Applied, third.Applied);
    }
}
