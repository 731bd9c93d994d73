using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
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

/// <summary>
/// Sinks that name writes by position (StarRocks labels): a write's boundaries are persisted before it is sent, and a
/// replay after a restart is grouped into exactly the same writes, whatever the grouping settings are now.
/// </summary>
public class StableBatchesTests : EntityTestKit
{
    private static PipelineRegistry Registry(ISinkFactory sink, int maxBatchRows) =>
        Registry(sink, sinkKeys: $"max-batch-rows = {maxBatchRows}", pipelineKeys: "checkpoints.interval = 1h");

    [Fact]
    public void A_replay_after_a_restart_is_grouped_into_the_write_planned_before_it()
    {
        var sink = new LabelledSinkFactory { Failing = true };
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink, maxBatchRows: 1000)));
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 2)));
        ExpectMsg<BatchPersisted>();
        AwaitCondition(() => sink.Attempts.Count >= 2, TimeSpan.FromSeconds(10)); // the write (0..2) is planned and failing
        entity.Tell(new EntityChanges("p", 1, 2, 7, Batch(200, 0, 2)));
        ExpectMsg<BatchPersisted>();
        Watch(entity);
        entity.Tell(PoisonPill.Instance);
        ExpectTerminated(entity);

        sink.Failing = false;
        // Grouping settings changed meanwhile: replays still follow the persisted plan.
        Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink, maxBatchRows: 100_000)));
        AwaitCondition(() => sink.Applied.Count == 2, TimeSpan.FromSeconds(10));
        Assert.Equal("0/64#0..0/64#2", sink.Applied.First());
        Assert.All(sink.Attempts, a => Assert.Equal("0/64#0..0/64#2", a));
        Assert.Equal("0/C8#0..0/C8#2", sink.Applied.Last());
    }
}
