using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
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

    /// <summary>
    /// A snapshot saved again and again at one sequence number (the backfill coordinator has no events): when the
    /// singleton comes back to a node that ran it before, the node's own older copy must not win over the one another
    /// node pushed since, or the backfill would go back to old progress and hand out chunk numbers again.
    /// </summary>
    [Fact]
    public async Task At_the_same_sequence_number_the_newer_snapshot_wins_over_an_older_local_copy()
    {
        const string id = "backfill|orders";
        await SaveAndFlushAsync("node-a", id, "progress-1");
        await SaveAndFlushAsync("node-b", id, "progress-2");

        using var back = ActorSystem.Create("node-a", NodeConfig("node-a"));
        var restored = back.ActorOf(SnapshotOnlyActor.Props(id));
        Assert.Equal("progress-2", await restored.Ask<string>(new SnapshotOnlyActor.Get(), _timeout));
        await back.Terminate();
    }

    private async Task SaveAndFlushAsync(string node, string persistenceId, string state)
    {
        using var system = ActorSystem.Create(node, NodeConfig(node));
        var actor = system.ActorOf(SnapshotOnlyActor.Props(persistenceId));
        var saved = await actor.Ask<SaveSnapshotSuccess>(new SnapshotOnlyActor.Set(state), _timeout);
        Assert.Equal(0, saved.Metadata.SequenceNr);
        await CheckpointStorage.Get(system).Store!.FlushAsync(persistenceId, CancellationToken.None).WaitAsync(_timeout);
        await system.Terminate();
    }
}
