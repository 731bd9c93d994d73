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
public class TableEntityCheckpointTests : Akka.TestKit.Xunit2.TestKit
{
    private const string EntityId = "p/public.t";
    private static readonly TableSchema Schema = new(new TableId("public", "t"), 1,
        [new ColumnSchema("id", 23, -1, "integer", 'b', true)], ReplicaIdentity.Default);

    public TableEntityCheckpointTests() : base(ConfigurationFactory.ParseString("""
        akka.actor.provider = local
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """).WithFallback(EngineConfig.Akka))
    {
    }

    private static PipelineRegistry Registry(ISinkFactory sink)
    {
        var settings = PipelineSettings.Parse("p", ConfigurationFactory.ParseString("""
            source { connection-string = "Host=unused", tables = ["public.t"] }
            sink { type = blackhole, retry { min-backoff = 10ms, max-backoff = 50ms } }
            checkpoints.interval = 100ms
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
}

/// <summary>A sink that stages writes and publishes them only at a checkpoint, recording each call.</summary>
public sealed class TwoPhaseSinkFactory : ISinkFactory
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Log { get; } = new();

    public Task ValidateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ITableSink CreateTableSink(TableId source, TableId target) => new Table(this);

    private sealed class Table(TwoPhaseSinkFactory owner) : ITableSink, ICheckpointParticipant
    {
        public Task<SourcePosition?> ReadAppliedPositionAsync(CancellationToken cancellationToken) => Task.FromResult<SourcePosition?>(null);

        public Task ApplyAsync(TableSchema schema, IReadOnlyList<RowChange> changes, SourcePosition upTo, CancellationToken cancellationToken)
        {
            owner.Log.Enqueue($"write {changes.Count}");
            return Task.CompletedTask;
        }

        public Task<byte[]> PrepareAsync(SourcePosition upTo, CancellationToken cancellationToken)
        {
            owner.Log.Enqueue($"prepare {upTo}");
            return Task.FromResult(System.Text.Encoding.UTF8.GetBytes(upTo.ToString()));
        }

        public Task CommitAsync(byte[] token, CancellationToken cancellationToken)
        {
            owner.Log.Enqueue($"commit {System.Text.Encoding.UTF8.GetString(token)}");
            return Task.CompletedTask;
        }

        public Task RecoverAsync(byte[]? token, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
