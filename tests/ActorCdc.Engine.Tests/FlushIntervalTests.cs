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

/// <summary>Batching by interval: small batches arriving within the flush interval become one write.</summary>
public class FlushIntervalTests : EntityTestKit
{
    [Fact]
    public void Batches_arriving_within_the_flush_interval_are_written_together_and_none_is_empty()
    {
        var sink = new LabelledSinkFactory();
        var registry = Registry(sink, sinkKeys: "max-batch-rows = 1000, flush-interval = 2s", pipelineKeys: "checkpoints.interval = 1h");
        var entity = Sys.ActorOf(TableEntity.Props("p/public.t", registry));
        for (var seq = 1; seq <= 3; seq++)
        {
            entity.Tell(new EntityChanges("p", 1, seq, 7, Batch((ulong)(100 * seq), 0, 0)));
            ExpectMsg<BatchPersisted>();
        }
        ExpectMsg<BatchDurable>(TimeSpan.FromSeconds(10));
        Assert.Equal(["0/64#0..0/12C#0"], sink.Applied.ToList());
    }
}
