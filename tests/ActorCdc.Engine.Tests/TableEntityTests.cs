using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Tables;
using Akka.Actor;
using Akka.Configuration;
using Xunit;

namespace ActorCdc.Engine.Tests;

/// <summary>Per-table order and replay dedup (DESIGN.md §3.2) and the batch numbering that detects lost messages.</summary>
public class TableEntityTests : EntityTestKit
{
    private readonly RecordingSinkFactory _sink = new();
    private readonly PipelineRegistry _registry;

    public TableEntityTests() => _registry = Registry(_sink);

    private IActorRef Entity() => Sys.ActorOf(TableEntity.Props(EntityId, _registry));

    private List<long> AppliedIndexes() => _sink.Applied.Select(c => c.Position.Index).ToList();

    [Fact]
    public void A_batch_is_acknowledged_as_persisted_then_as_durable_once_the_sink_committed_it()
    {
        var entity = Entity();
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 2)));
        var persisted = ExpectMsg<BatchPersisted>();
        Assert.Equal((1L, 1L), (persisted.Session, persisted.Seq));
        var durable = ExpectMsg<BatchDurable>();
        Assert.Equal(new SourcePosition(new Lsn(100), 2), durable.Applied);
        Assert.Equal([0L, 1, 2], AppliedIndexes());
    }

    [Fact]
    public void Replays_at_or_below_the_persisted_position_are_acknowledged_but_not_applied_again()
    {
        var entity = Entity();
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 2)));
        ExpectMsg<BatchPersisted>();
        ExpectMsg<BatchDurable>();
        // The reader reconnected: a new session replays the same transaction, then a partly new one.
        entity.Tell(new EntityChanges("p", 2, 1, 7, Batch(100, 0, 2)));
        var again = ExpectMsg<BatchPersisted>();
        Assert.Equal(new SourcePosition(new Lsn(100), 2), again.Applied);
        entity.Tell(new EntityChanges("p", 2, 2, 7, Batch(100, 1, 4)));
        ExpectMsg<BatchPersisted>();
        ExpectMsg<BatchDurable>(d => d.Applied == new SourcePosition(new Lsn(100), 4));
        Assert.Equal([0L, 1, 2, 3, 4], AppliedIndexes());
    }

    [Fact]
    public void A_missing_batch_number_is_reported_as_a_gap_and_the_batch_is_not_applied()
    {
        var entity = Entity();
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 0)));
        ExpectMsg<BatchPersisted>();
        ExpectMsg<BatchDurable>();
        entity.Tell(new EntityChanges("p", 1, 3, 7, Batch(200, 0, 0)));
        var gap = ExpectMsg<SequenceGap>();
        Assert.Equal((2L, 3L), (gap.Expected, gap.Received));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal([0L], AppliedIndexes());
    }

    [Fact]
    public void A_new_session_that_does_not_start_at_batch_one_is_a_gap()
    {
        var entity = Entity();
        entity.Tell(new EntityChanges("p", 5, 2, 7, Batch(100, 0, 0)));
        var gap = ExpectMsg<SequenceGap>();
        Assert.Equal((5L, 1L, 2L), (gap.Session, gap.Expected, gap.Received));
    }

    [Fact]
    public void A_batch_of_an_older_session_is_ignored()
    {
        var entity = Entity();
        entity.Tell(new EntityChanges("p", 2, 1, 7, Batch(100, 0, 0)));
        ExpectMsg<BatchPersisted>();
        ExpectMsg<BatchDurable>();
        entity.Tell(new EntityChanges("p", 1, 2, 7, Batch(200, 0, 0)));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal([0L], AppliedIndexes());
    }

    [Fact]
    public void Changes_the_sink_already_holds_are_skipped()
    {
        _sink.Held = new SourcePosition(new Lsn(100), 1);
        var entity = Entity();
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 3)));
        var persisted = ExpectMsg<BatchPersisted>();
        Assert.Equal(new SourcePosition(new Lsn(100), 1), persisted.Applied);
        ExpectMsg<BatchDurable>(d => d.Applied == new SourcePosition(new Lsn(100), 3));
        Assert.Equal([2L, 3], AppliedIndexes());
    }

    [Fact]
    public void A_restarted_entity_applies_what_it_persisted_but_the_sink_had_not_committed()
    {
        _sink.Failing = true;
        var entity = Entity();
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 2)));
        ExpectMsg<BatchPersisted>();
        AwaitCondition(() => _sink.Attempts >= 2, TimeSpan.FromSeconds(10));
        Watch(entity);
        entity.Tell(PoisonPill.Instance);
        ExpectTerminated(entity);

        _sink.Failing = false;
        Entity(); // recovers from the journal; nothing is sent to it
        AwaitCondition(() => _sink.Applied.Count == 3, TimeSpan.FromSeconds(10));
        Assert.Equal([0L, 1, 2], AppliedIndexes());
    }

    [Fact]
    public void Sink_failures_are_retried_until_the_write_succeeds()
    {
        _sink.Failing = true;
        var entity = Entity();
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 1)));
        ExpectMsg<BatchPersisted>();
        AwaitCondition(() => _sink.Attempts >= 3, TimeSpan.FromSeconds(10));
        _sink.Failing = false;
        ExpectMsg<BatchDurable>(TimeSpan.FromSeconds(10));
        Assert.Equal([0L, 1], AppliedIndexes());
    }
}
