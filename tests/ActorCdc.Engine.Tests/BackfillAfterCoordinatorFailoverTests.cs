using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Tables;
using Akka.Actor;
using Xunit;

namespace ActorCdc.Engine.Tests;

/// <summary>
/// The backfill coordinator's node died (found by the cluster suite, killing it during a backfill on a loaded machine):
/// chunk attempts it had started are left half done in the WAL (a low and a high watermark, no end marker) and in
/// entities. A chunk whose high watermark passed holds the table's stream until its end marker comes, which for a dead
/// reader is never; the new coordinator's fence (a WAL position read before its first chunk) tells entities to drop them.
/// </summary>
public class BackfillAfterCoordinatorFailoverTests : EntityTestKit
{
    private const string Snapshot = "10:20:12,15";
    private readonly RecordingSinkFactory _sink = new();
    private readonly PipelineRegistry _registry;

    public BackfillAfterCoordinatorFailoverTests() => _registry = Registry(_sink);

    private static SourcePosition At(ulong lsn) => new(new Lsn(lsn), 0);

    private IActorRef Prepared(ulong fence)
    {
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, _registry));
        Prepare(entity, fence);
        return entity;
    }

    private void Prepare(IActorRef entity, ulong fence)
    {
        entity.Tell(new PrepareBackfill("p", Schema, new Lsn(fence)));
        FishForMessage(m => m is BackfillPrepared);
    }

    /// <summary>A low and a high watermark of attempt 1 of chunk 12, no rows and no end marker: its reader died.</summary>
    private void DeadAttemptInTheStream(IActorRef entity, ulong low, ulong high)
    {
        entity.Tell(new EntityWatermark("p", 1, 1, Schema.Table, 12, 1, false, At(low)));
        FishForMessage(m => m is BatchPersisted);
        entity.Tell(new EntityWatermark("p", 1, 2, Schema.Table, 12, 1, true, At(high)));
        FishForMessage(m => m is BatchPersisted);
    }

    private void ChangesAt(IActorRef entity, long seq, ulong lsn, int from, int to)
    {
        entity.Tell(new EntityChanges("p", 1, seq, 7, Batch(lsn, from, to)));
        FishForMessage(m => m is BatchPersisted);
    }

    private void AwaitApplied(params string[] ids) =>
        AwaitAssert(() => Assert.Equal(ids, _sink.Applied.Select(c => c.New![0].Text).ToArray()), TimeSpan.FromSeconds(10));

    /// <summary>The new coordinator reads chunk 12 again as attempt 2, after its fence; its outcome comes back.</summary>
    private void NextAttemptCompletes(IActorRef entity, long seq, ulong low, ulong high)
    {
        entity.Tell(new ChunkRows("p", 12, 2, 1, Schema, [[ColumnValue.FromText("5"), ColumnValue.FromText("chunk")]]));
        entity.Tell(new EntityWatermark("p", 1, seq, Schema.Table, 12, 2, false, At(low)));
        entity.Tell(new ChunkEnd("p", Schema.Table, 12, 2, 1, 1, Snapshot));
        entity.Tell(new EntityWatermark("p", 1, seq + 1, Schema.Table, 12, 2, true, At(high)));
        var outcome = (ChunkOutcome)FishForMessage(m => m is ChunkOutcome, TimeSpan.FromSeconds(10));
        Assert.Equal((12L, 2, 1L, (string?)null), (outcome.ChunkId, outcome.Attempt, outcome.Rows, outcome.VoidReason));
        Assert.Contains(_sink.Applied, c => c.Kind == ChangeKind.Insert && c.New![0].Text == "5");
    }

    [Fact]
    public void Watermarks_of_an_earlier_coordinator_replayed_from_the_slot_do_not_hold_the_stream()
    {
        // The entity moved with the failover: the new coordinator (fence 200) prepares it before the new WalReader
        // replays the slot from its confirmed position, which still holds the dead coordinator's attempt.
        var entity = Prepared(fence: 200);
        DeadAttemptInTheStream(entity, low: 100, high: 110);
        ChangesAt(entity, 3, 120, 1, 2);
        AwaitApplied("1", "2");
        NextAttemptCompletes(entity, 4, low: 210, high: 220);
    }

    [Fact]
    public void A_new_coordinator_makes_the_entity_forget_the_attempts_of_the_one_before()
    {
        // The entity stayed where it was and had seen the dead coordinator's attempt (fence 50) before the failover.
        var entity = Prepared(fence: 50);
        DeadAttemptInTheStream(entity, low: 100, high: 110);
        ChangesAt(entity, 3, 120, 1, 2);
        Assert.Empty(_sink.Applied); // held behind chunk 12, whose end marker never comes

        Prepare(entity, fence: 130);
        AwaitApplied("1", "2");
        NextAttemptCompletes(entity, 4, low: 210, high: 220);
    }

    [Fact]
    public void The_same_coordinator_preparing_again_keeps_its_open_attempts()
    {
        var entity = Prepared(fence: 50);
        entity.Tell(new ChunkRows("p", 12, 2, 1, Schema, [[ColumnValue.FromText("5"), ColumnValue.FromText("chunk")]]));
        entity.Tell(new EntityWatermark("p", 1, 1, Schema.Table, 12, 2, false, At(100)));
        FishForMessage(m => m is BatchPersisted);
        Prepare(entity, fence: 50); // a PrepareBackfill resent (its answer was lost): same fence
        entity.Tell(new ChunkEnd("p", Schema.Table, 12, 2, 1, 1, Snapshot));
        entity.Tell(new EntityWatermark("p", 1, 2, Schema.Table, 12, 2, true, At(110)));
        var outcome = (ChunkOutcome)FishForMessage(m => m is ChunkOutcome, TimeSpan.FromSeconds(10));
        Assert.Equal((12L, 2, 1L, (string?)null), (outcome.ChunkId, outcome.Attempt, outcome.Rows, outcome.VoidReason));
    }
}
