using Akka.Actor;
using Akka.Configuration;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using ActorCdc.Persistence.RocksDb.Tests.Journal;
using Xunit;

namespace ActorCdc.Persistence.RocksDb.Tests.Snapshot;

/// <summary>
/// The snapshot store wired to the node's real checkpoint storage (a <c>file://</c> location): a node with an empty
/// disk restores an entity from the snapshot another node pushed.
/// </summary>
public sealed class CheckpointStorageRestoreSpec : IDisposable
{
    private readonly string _root = RocksDbPluginSpec.NewDirectory();
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(10);

    public void Dispose() => RocksDbPluginSpec.DeleteDirectory(_root);

    private Config NodeConfig(string node) => ConfigurationFactory.ParseString($"""
        actorcdc.state.checkpoints.storage = "file://{Path.Combine(_root, "checkpoints")}"
        """).WithFallback(RocksDbPluginSpec.SpecConfig(Path.Combine(_root, node)));

    [Fact]
    public async Task A_node_with_an_empty_disk_restores_the_entity_from_checkpoint_storage()
    {
        using (var first = ActorSystem.Create("node-a", NodeConfig("node-a")))
        {
            var entity = first.ActorOf(RecordingActor.Props("orders"));
            foreach (var item in new[] { "a", "b", "c" }) await entity.Ask<RecordingActor.Added>(new RecordingActor.Add(item), _timeout);
            await entity.Ask<RecordingActor.SnapshotTaken>(new RecordingActor.TakeSnapshot(), _timeout);
            await entity.Ask<RecordingActor.Added>(new RecordingActor.Add("d"), _timeout);
            var storage = CheckpointStorage.Get(first).Store;
            Assert.NotNull(storage);
            await storage.FlushAsync("orders", CancellationToken.None).WaitAsync(_timeout);
            await first.Terminate();
        }

        // Node B: its own, empty RocksDB directory; only checkpoint storage is shared. The snapshot at 3 comes back;
        // "d" lived only in node A's journal (the engine gets it again from the replication slot).
        using var second = ActorSystem.Create("node-b", NodeConfig("node-b"));
        var restored = second.ActorOf(RecordingActor.Props("orders"));
        var state = await restored.Ask<RecordingActor.State>(new RecordingActor.GetState(), _timeout);
        Assert.Equal(new[] { "a", "b", "c" }, state.Items);
        Assert.Equal(3, state.LastSequenceNr);
        await second.Terminate();
    }
}
