using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Tables;
using ActorCdc.Persistence.RocksDb;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using ActorCdc.Persistence.RocksDb.Hosting;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Xunit;

namespace ActorCdc.Engine.Tests;

/// <summary>
/// ack-on = checkpointed (DESIGN.md §3.3): a batch is durable once a checkpoint holding it (snapshot + journal segment)
/// is complete in checkpoint storage, whatever the sink does; the segments bring the batches back on another node.
/// </summary>
public sealed class CheckpointedDeliveryTests : EntityTestKit
{
    private const string Keys = """
        checkpoints.interval = 100ms
        delivery { ack-on = checkpointed, max-resident-bytes = 64KiB }
        """;

    private readonly string _storage;

    public CheckpointedDeliveryTests() : this(Path.Combine(Path.GetTempPath(), "actorcdc-ckpt-" + Guid.NewGuid().ToString("N")))
    {
    }

    private CheckpointedDeliveryTests(string storage) : base(NodeConfig(storage)) => _storage = storage;

    private static Config NodeConfig(string storage) => ConfigurationFactory.ParseString($"""
            akka.actor.provider = local
            actorcdc.state.checkpoints.storage = "file://{storage}"
            """)
        .WithFallback(RocksDbPersistence.StateBackendConfig(StateBackend.Memory))
        .WithFallback(CheckpointStorage.DefaultConfig())
        .WithFallback(EngineConfig.Akka);

    protected override void AfterAll()
    {
        base.AfterAll();
        try { Directory.Delete(_storage, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static ChangeBatch Big(ulong lsn, int from, int to, int bytes)
    {
        var b = Batch(lsn, from, to);
        return new ChangeBatch(b.Schema, b.Changes, bytes);
    }

    private string[] Segments() =>
        Directory.Exists(Path.Combine(_storage, "segments")) ? Directory.GetFiles(Path.Combine(_storage, "segments"), "*.seg", SearchOption.AllDirectories) : [];

    [Fact]
    public void A_batch_is_durable_once_its_checkpoint_is_in_storage_while_the_sink_is_down()
    {
        var sink = new RecordingSinkFactory { Failing = true };
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink, pipelineKeys: Keys)));
        entity.Tell(new EntityChanges("p", 1, 1, 7, Batch(100, 0, 2)));
        var persisted = ExpectMsg<BatchPersisted>(TimeSpan.FromSeconds(10));
        Assert.True(persisted.Applied < new SourcePosition(new Lsn(100), 2), $"durable at {persisted.Applied} before any checkpoint");

        var durable = ExpectMsg<BatchDurable>(TimeSpan.FromSeconds(10));
        Assert.Equal(new SourcePosition(new Lsn(100), 2), durable.Applied);
        Assert.Equal(3, durable.PendingSinkRows); // the slot may move past rows the sink does not have yet: status says so
        Assert.Empty(sink.Applied);
        Assert.Single(Segments());

        sink.Failing = false;
        AwaitCondition(() => sink.Applied.Count == 3, TimeSpan.FromSeconds(10), message: $"applied: {sink.Applied.Count}");
        Assert.Equal([0L, 1, 2], sink.Applied.Select(c => c.Position.Index).ToList());
        // Once applied and a newer checkpoint is complete, the segment is no longer needed and leaves storage.
        AwaitCondition(() => Segments().Length == 0, TimeSpan.FromSeconds(10), message: $"segments left: {string.Join(", ", Segments())}");
    }

    [Fact]
    public void Another_node_with_an_empty_disk_writes_the_checkpointed_batches_from_the_segments_in_order()
    {
        var sink = new RecordingSinkFactory { Failing = true };
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink, pipelineKeys: Keys)));
        for (var i = 0; i < 5; i++)
        {
            entity.Tell(new EntityChanges("p", 1, i + 1, 7, Batch(100 + (ulong)i, 0, 3)));
            ExpectMsg<BatchPersisted>(TimeSpan.FromSeconds(10));
        }
        var last = new SourcePosition(new Lsn(104), 3);
        FishForMessage<BatchDurable>(d => d.Applied == last, TimeSpan.FromSeconds(10));
        Assert.NotEmpty(Segments());

        // Another actor system on the same checkpoint storage: its journal and local snapshots are empty.
        var other = ActorSystem.Create("other", NodeConfig(_storage));
        try
        {
            // The sink is still down there: the entity takes and checkpoints new batches all the same.
            var otherSink = new RecordingSinkFactory { Failing = true, FailingReads = true };
            var moved = other.ActorOf(TableEntity.Props(EntityId, Registry(otherSink, pipelineKeys: Keys)));
            moved.Tell(new EntityChanges("p", 1, 1, 7, Batch(104, 0, 5)), TestActor); // a replay, then two new changes
            ExpectMsg<BatchPersisted>(TimeSpan.FromSeconds(15));
            FishForMessage<BatchDurable>(d => d.Applied == new SourcePosition(new Lsn(104), 5), TimeSpan.FromSeconds(15));
            Assert.Empty(otherSink.Applied);

            otherSink.FailingReads = false;
            otherSink.Failing = false;
            AwaitCondition(() => otherSink.Applied.Count == 22, TimeSpan.FromSeconds(15), message: $"applied on the other node: {otherSink.Applied.Count}");
            var expected = Enumerable.Range(0, 5).SelectMany(i => Enumerable.Range(0, i == 4 ? 6 : 4).Select(j => new SourcePosition(new Lsn(100 + (ulong)i), j))).ToList();
            Assert.Equal(expected, otherSink.Applied.Select(c => c.Position).ToList());
        }
        finally
        {
            Shutdown(other);
        }
    }

    [Fact]
    public void During_a_sink_outage_memory_holds_at_most_the_budget_and_the_rest_is_read_back_from_the_segments()
    {
        var sink = new RecordingSinkFactory { Failing = true };
        var entity = Sys.ActorOf(TableEntity.Props(EntityId, Registry(sink, pipelineKeys: Keys)));
        const int batches = 40, bytes = 16 << 10; // 640 KiB claimed against a 64 KiB budget
        for (var i = 0; i < batches; i++)
        {
            entity.Tell(new EntityChanges("p", 1, i + 1, 7, Big(100 + (ulong)i, 0, 1, bytes)));
            ExpectMsg<BatchPersisted>(TimeSpan.FromSeconds(10));
        }
        var last = new SourcePosition(new Lsn(100 + batches - 1), 1);
        FishForMessage<BatchDurable>(d => d.Applied == last, TimeSpan.FromSeconds(10));
        TableEntity.PendingSink? seen = null;
        AwaitCondition(() =>
        {
            entity.Tell(new TableEntity.GetPendingSink(), TestActor);
            seen = ExpectMsg<TableEntity.PendingSink>();
            return seen.ResidentBytes <= (64 << 10) + bytes;
        }, TimeSpan.FromSeconds(10), message: $"in memory: {seen}");
        Assert.Equal(batches * 2L, seen!.Rows);
        Assert.Equal((long)batches * bytes, seen.Bytes);

        sink.Failing = false;
        AwaitCondition(() => sink.Applied.Count == batches * 2, TimeSpan.FromSeconds(20), message: $"applied: {sink.Applied.Count}");
        var expected = Enumerable.Range(0, batches).SelectMany(i => new[] { new SourcePosition(new Lsn(100 + (ulong)i), 0), new SourcePosition(new Lsn(100 + (ulong)i), 1) });
        Assert.Equal(expected.ToList(), sink.Applied.Select(c => c.Position).ToList());
    }
}
