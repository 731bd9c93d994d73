using ActorCdc.Core.Positions;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Tables;
using Akka.Actor;
using Xunit;

namespace ActorCdc.Engine.Tests;

/// <summary>
/// An entity that moved to another node (or restarted) during its table's backfill has no lookback: it must say so,
/// so that the coordinator prepares it again instead of reading the same chunk forever (found by the cluster suite).
/// </summary>
public class BackfillAfterEntityMoveTests : EntityTestKit
{
    private readonly PipelineRegistry _registry = Registry(new RecordingSinkFactory());

    private const string Snapshot = "10:20:12,15";

    [Fact]
    public void A_chunk_end_at_an_entity_not_prepared_for_backfill_asks_to_be_prepared_again()
    {
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, _registry));
        entity.Tell(new ChunkEnd("p", Schema.Table, 3, 1, 1, 10, Snapshot));
        var outcome = ExpectMsg<ChunkOutcome>();
        Assert.Equal((3L, 1, ChunkOutcome.EntityNotPrepared), (outcome.ChunkId, outcome.Attempt, outcome.VoidReason));
    }

    [Fact]
    public void A_prepared_entity_voids_an_unknown_attempt_without_asking_to_be_prepared_again()
    {
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, _registry));
        entity.Tell(new PrepareBackfill("p", Schema, new Lsn(1)));
        ExpectMsg<BackfillPrepared>();
        entity.Tell(new ChunkEnd("p", Schema.Table, 3, 1, 1, 10, Snapshot));
        var outcome = ExpectMsg<ChunkOutcome>();
        Assert.NotNull(outcome.VoidReason);
        Assert.NotEqual(ChunkOutcome.EntityNotPrepared, outcome.VoidReason);
    }

    [Fact]
    public void After_its_backfill_ended_an_entity_keeps_no_lookback_until_prepared_again()
    {
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, _registry));
        entity.Tell(new PrepareBackfill("p", Schema, new Lsn(1)));
        ExpectMsg<BackfillPrepared>();
        entity.Tell(new EndBackfill("p", Schema.Table));
        entity.Tell(new ChunkEnd("p", Schema.Table, 3, 1, 1, 10, Snapshot));
        Assert.Equal(ChunkOutcome.EntityNotPrepared, ExpectMsg<ChunkOutcome>().VoidReason);

        entity.Tell(new PrepareBackfill("p", Schema, new Lsn(1))); // a re-snapshot
        ExpectMsg<BackfillPrepared>();
        entity.Tell(new ChunkEnd("p", Schema.Table, 3, 2, 1, 10, Snapshot));
        Assert.NotEqual(ChunkOutcome.EntityNotPrepared, ExpectMsg<ChunkOutcome>().VoidReason);
    }
}
