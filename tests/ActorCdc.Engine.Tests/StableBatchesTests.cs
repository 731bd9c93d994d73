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
public class StableBatchesTests : Akka.TestKit.Xunit2.TestKit
{
    private const string EntityId = "p/public.t";
    private static readonly TableSchema Schema = new(new TableId("public", "t"), 1,
        [new ColumnSchema("id", 23, -1, "integer", 'b', true)], ReplicaIdentity.Default);

    public StableBatchesTests() : base(ConfigurationFactory.ParseString("""
        akka.actor.provider = local
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """).WithFallback(EngineConfig.Akka))
    {
    }

    private static PipelineRegistry Registry(ISinkFactory sink, int maxBatchRows, string flushInterval = "0s")
    {
        var settings = PipelineSettings.Parse("p", ConfigurationFactory.ParseString($$"""
            source { connection-string = "Host=unused", tables = ["public.t"] }
            sink { type = blackhole, max-batch-rows = {{maxBatchRows}}, flush-interval = {{flushInterval}}, retry { min-backoff = 10ms, max-backoff = 50ms } }
            checkpoints.interval = 1h
            """), Config.Empty);
        var registry = new PipelineRegistry();
        registry.Add(new PipelineRuntime(settings, sink));
        return registry;
    }

    private static ChangeBatch Batch(ulong lsn, int from, int to)
    {
        var changes = new List<RowChange>();
        for (var i = from; i <= to; i++)
            changes.Add(new RowChange(ChangeKind.Insert, new SourcePosition(new Lsn(lsn), i), [ColumnValue.FromText(i.ToString())], null));
        return new ChangeBatch(Schema, changes, 100);
    }

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

/// <summary>Batching by interval: small batches arriving within the flush interval become one write.</summary>
public class FlushIntervalTests : Akka.TestKit.Xunit2.TestKit
{
    public FlushIntervalTests() : base(ConfigurationFactory.ParseString("""
        akka.actor.provider = local
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """).WithFallback(EngineConfig.Akka))
    {
    }

    [Fact]
    public void Batches_arriving_within_the_flush_interval_are_written_together_and_none_is_empty()
    {
        var sink = new LabelledSinkFactory();
        var settings = PipelineSettings.Parse("p", ConfigurationFactory.ParseString("""
            source { connection-string = "Host=unused", tables = ["public.t"] }
            sink { type = blackhole, max-batch-rows = 1000, flush-interval = 2s }
            checkpoints.interval = 1h
            """), Config.Empty);
        var registry = new PipelineRegistry();
        registry.Add(new PipelineRuntime(settings, sink));
        var entity = Sys.ActorOf(TableEntity.Props("p/public.t", registry));
        var schema = new TableSchema(new TableId("public", "t"), 1, [new ColumnSchema("id", 23, -1, "integer", 'b', true)], ReplicaIdentity.Default);
        for (var seq = 1; seq <= 3; seq++)
        {
            var change = new RowChange(ChangeKind.Insert, new SourcePosition(new Lsn((ulong)(100 * seq)), 0), [ColumnValue.FromText(seq.ToString())], null);
            entity.Tell(new EntityChanges("p", 1, seq, 7, new ChangeBatch(schema, [change], 10)));
            ExpectMsg<BatchPersisted>();
        }
        ExpectMsg<BatchDurable>(TimeSpan.FromSeconds(10));
        Assert.Equal(["0/64#0..0/12C#0"], sink.Applied.ToList());
    }
}

/// <summary>A sink that names each write by its first and last position, as StarRocks labels do.</summary>
public sealed class LabelledSinkFactory : ISinkFactory
{
    public volatile bool Failing;
    public System.Collections.Concurrent.ConcurrentQueue<string> Attempts { get; } = new();
    public System.Collections.Concurrent.ConcurrentQueue<string> Applied { get; } = new();

    public Task ValidateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ITableSink CreateTableSink(TableId source, TableId target) => new Table(this);

    private sealed class Table(LabelledSinkFactory owner) : ITableSink, IRequiresStableBatches
    {
        public Task<SourcePosition?> ReadAppliedPositionAsync(CancellationToken cancellationToken) => Task.FromResult<SourcePosition?>(null);

        public Task ApplyAsync(TableSchema schema, IReadOnlyList<RowChange> changes, SourcePosition upTo, CancellationToken cancellationToken)
        {
            var label = $"{changes[0].Position}..{upTo}";
            if (owner.Failing)
            {
                owner.Attempts.Enqueue(label);
                throw CdcException.Transient("sink down (test)");
            }
            owner.Applied.Enqueue(label);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
