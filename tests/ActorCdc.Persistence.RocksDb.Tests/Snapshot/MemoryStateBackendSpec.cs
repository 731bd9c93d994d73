using Akka.Actor;
using ActorCdc.Persistence.RocksDb.Hosting;
using ActorCdc.Persistence.RocksDb.Tests.Journal;
using Xunit;
using CheckpointStoreLink = ActorCdc.Persistence.RocksDb.Snapshot.CheckpointStoreLink;

namespace ActorCdc.Persistence.RocksDb.Tests.Snapshot;

/// <summary>
/// state.backend = memory (Flink's HashMapStateBackend): journal and snapshots in memory, snapshots pushed to
/// checkpoint storage, and a fresh node restores the entity from its last checkpoint.
/// </summary>
public sealed class MemoryStateBackendSpec : IDisposable
{
    private readonly string _directory = RocksDbPluginSpec.NewDirectory();
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(10);

    public void Dispose() => RocksDbPluginSpec.DeleteDirectory(_directory);

    [Fact]
    public async Task An_entity_restores_from_checkpoint_storage_on_a_node_with_nothing_in_memory()
    {
        var storage = new FakeCheckpointStore();
        var config = RocksDbPersistence.StateBackendConfig(StateBackend.Memory).WithFallback(RocksDbPluginSpec.SpecConfig(_directory));

        using (var first = ActorSystem.Create("first", config))
        {
            CheckpointStoreLink.Use(first, storage);
            var entity = first.ActorOf(RecordingActor.Props("orders"));
            foreach (var item in new[] { "a", "b", "c" }) await entity.Ask<RecordingActor.Added>(new RecordingActor.Add(item), _timeout);
            var taken = await entity.Ask<RecordingActor.SnapshotTaken>(new RecordingActor.TakeSnapshot(), _timeout);
            Assert.Equal(3, taken.SequenceNr);
            await entity.Ask<RecordingActor.Added>(new RecordingActor.Add("d"), _timeout);
            await first.Terminate();
        }

        Assert.Single(storage.Enqueued);
        Assert.False(Directory.Exists(_directory), "state.backend = memory must not write local files");

        // A new node: its memory is empty, checkpoint storage has the snapshot at 3; "d" came after the last checkpoint.
        using var second = ActorSystem.Create("second", config);
        CheckpointStoreLink.Use(second, storage);
        var restored = second.ActorOf(RecordingActor.Props("orders"));
        var state = await restored.Ask<RecordingActor.State>(new RecordingActor.GetState(), _timeout);
        Assert.Equal(new[] { "a", "b", "c" }, state.Items);
        Assert.Equal(3, state.LastSequenceNr);
        await second.Terminate();
    }

    [Fact]
    public void The_memory_backend_selects_the_in_memory_journal_and_memory_snapshots()
    {
        var config = RocksDbPersistence.StateBackendConfig(StateBackend.Memory);
        Assert.Equal("akka.persistence.journal.inmem", config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("akka.persistence.snapshot-store.rocksdb", config.GetString("akka.persistence.snapshot-store.plugin"));
        Assert.Equal("memory", config.GetString("akka.persistence.snapshot-store.rocksdb.local"));

        var rocksdb = RocksDbPersistence.StateBackendConfig(StateBackend.RocksDb);
        Assert.Equal("akka.persistence.journal.rocksdb", rocksdb.GetString("akka.persistence.journal.plugin"));
        Assert.Equal("rocksdb", rocksdb.GetString("akka.persistence.snapshot-store.rocksdb.local"));
    }
}
