using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;
using ActorCdc.Persistence.RocksDb.Tests.Journal;
using CheckpointStoreLink = ActorCdc.Persistence.RocksDb.Snapshot.CheckpointStoreLink;
using Xunit;
using Xunit.Abstractions;

namespace ActorCdc.Persistence.RocksDb.Tests.Snapshot;

/// <summary>
/// The behaviours of Akka's SnapshotStoreSpec (TCK), re-implemented by name. Each test starts from s-1..s-5 saved at
/// sequence numbers 11..15 of its own persistence id, with a fake checkpoint storage recording pushes and deletes.
/// </summary>
public abstract class SnapshotStoreConformanceSpec : RocksDbPluginSpec
{
    private readonly TestProbe _sender;

    protected SnapshotStoreConformanceSpec(ITestOutputHelper output, string hocon) : base(output, hocon)
    {
        Checkpoints = new FakeCheckpointStore();
        CheckpointStoreLink.Use(Sys, Checkpoints);
        _sender = CreateTestProbe();
        Metadata = Enumerable.Range(1, 5).Select(i =>
        {
            SnapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(Pid, i + 10, DateTime.MinValue), $"s-{i}"), _sender.Ref);
            return _sender.ExpectMsg<SaveSnapshotSuccess>().Metadata;
        }).ToList();
    }

    protected FakeCheckpointStore Checkpoints { get; }

    protected IReadOnlyList<SnapshotMetadata> Metadata { get; }

    private LoadSnapshotResult Load(SnapshotSelectionCriteria criteria, long toSequenceNr = long.MaxValue, string? pid = null)
    {
        SnapshotStore.Tell(new LoadSnapshot(pid ?? Pid, criteria, toSequenceNr), _sender.Ref);
        return _sender.ExpectMsg<LoadSnapshotResult>();
    }

    private void AssertLoaded(LoadSnapshotResult result, int index, long toSequenceNr = long.MaxValue)
    {
        Assert.Equal(toSequenceNr, result.ToSequenceNr);
        Assert.NotNull(result.Snapshot);
        Assert.Equal(Metadata[index], result.Snapshot.Metadata);
        Assert.Equal($"s-{index + 1}", result.Snapshot.Snapshot.ToString());
    }

    [Fact]
    public void SnapshotStore_should_not_load_a_snapshot_given_an_invalid_persistence_id()
    {
        var result = Load(SnapshotSelectionCriteria.Latest, pid: "invalid");
        Assert.Null(result.Snapshot);
        Assert.Equal(long.MaxValue, result.ToSequenceNr);
    }

    [Fact]
    public void SnapshotStore_should_not_load_a_snapshot_given_non_matching_timestamp_criteria()
    {
        Assert.Null(Load(new SnapshotSelectionCriteria(long.MaxValue, new DateTime(100000))).Snapshot);
    }

    [Fact]
    public void SnapshotStore_should_not_load_a_snapshot_given_non_matching_sequence_number_criteria()
    {
        Assert.Null(Load(new SnapshotSelectionCriteria(7)).Snapshot);
        var result = Load(SnapshotSelectionCriteria.Latest, 7);
        Assert.Null(result.Snapshot);
        Assert.Equal(7, result.ToSequenceNr);
    }

    [Fact]
    public void SnapshotStore_should_load_the_most_recent_snapshot()
    {
        AssertLoaded(Load(SnapshotSelectionCriteria.Latest), 4);
    }

    [Fact]
    public void SnapshotStore_should_load_the_most_recent_snapshot_matching_an_upper_sequence_number_bound()
    {
        AssertLoaded(Load(new SnapshotSelectionCriteria(13)), 2);
        AssertLoaded(Load(SnapshotSelectionCriteria.Latest, 13), 2, 13);
    }

    [Fact]
    public void SnapshotStore_should_load_the_most_recent_snapshot_matching_an_upper_sequence_number_and_timestamp_bound()
    {
        AssertLoaded(Load(new SnapshotSelectionCriteria(13, Metadata[2].Timestamp)), 2);
        AssertLoaded(Load(new SnapshotSelectionCriteria(long.MaxValue, Metadata[2].Timestamp), 13), 2, 13);
    }

    [Fact]
    public void SnapshotStore_should_load_the_most_recent_snapshot_matching_a_lower_sequence_number_bound()
    {
        Assert.Null(Load(new SnapshotSelectionCriteria(long.MaxValue, DateTime.MaxValue, 16, null)).Snapshot);
        AssertLoaded(Load(new SnapshotSelectionCriteria(13, DateTime.MaxValue, 12, null)), 2);
    }

    [Fact]
    public void SnapshotStore_should_delete_a_single_snapshot_identified_by_SequenceNr_in_snapshot_metadata()
    {
        var md = new SnapshotMetadata(Metadata[2].PersistenceId, Metadata[2].SequenceNr, DateTime.MinValue); // timestamp MinValue: wildcard
        var command = new DeleteSnapshot(md);
        var subscriber = CreateTestProbe();
        Subscribe<DeleteSnapshot>(subscriber.Ref);

        SnapshotStore.Tell(command, _sender.Ref);
        subscriber.ExpectMsg(command);
        _sender.ExpectMsg<DeleteSnapshotSuccess>();

        AssertLoaded(Load(new SnapshotSelectionCriteria(md.SequenceNr)), 1);
    }

    [Fact]
    public void SnapshotStore_should_not_delete_a_snapshot_newer_than_the_timestamp_in_the_delete_metadata()
    {
        var md = new SnapshotMetadata(Pid, Metadata[2].SequenceNr, Metadata[2].Timestamp.AddTicks(-1));
        SnapshotStore.Tell(new DeleteSnapshot(md), _sender.Ref);
        _sender.ExpectMsg<DeleteSnapshotSuccess>();
        AssertLoaded(Load(new SnapshotSelectionCriteria(md.SequenceNr)), 2);

        SnapshotStore.Tell(new DeleteSnapshot(Metadata[2]), _sender.Ref);
        _sender.ExpectMsg<DeleteSnapshotSuccess>();
        AssertLoaded(Load(new SnapshotSelectionCriteria(md.SequenceNr)), 1);
    }

    [Fact]
    public void SnapshotStore_should_delete_all_snapshots_matching_upper_sequence_number_and_timestamp_bounds()
    {
        var md = Metadata[2];
        var command = new DeleteSnapshots(Pid, new SnapshotSelectionCriteria(md.SequenceNr, md.Timestamp));
        var subscriber = CreateTestProbe();
        Subscribe<DeleteSnapshots>(subscriber.Ref);

        SnapshotStore.Tell(command, _sender.Ref);
        subscriber.ExpectMsg(command);
        _sender.ExpectMsg<DeleteSnapshotsSuccess>();

        Assert.Null(Load(new SnapshotSelectionCriteria(md.SequenceNr, md.Timestamp)).Snapshot);
        AssertLoaded(Load(new SnapshotSelectionCriteria(Metadata[3].SequenceNr, Metadata[3].Timestamp)), 3);
    }

    [Fact]
    public void SnapshotStore_should_not_delete_snapshots_with_non_matching_upper_timestamp_bounds()
    {
        var md = Metadata[3];
        var criteria = new SnapshotSelectionCriteria(md.SequenceNr, md.Timestamp.Subtract(TimeSpan.FromTicks(1)));
        var command = new DeleteSnapshots(Pid, criteria);
        var subscriber = CreateTestProbe();
        Subscribe<DeleteSnapshots>(subscriber.Ref);

        SnapshotStore.Tell(command, _sender.Ref);
        subscriber.ExpectMsg(command);
        _sender.ExpectMsg<DeleteSnapshotsSuccess>(m => m.Criteria.Equals(criteria));

        AssertLoaded(Load(new SnapshotSelectionCriteria(md.SequenceNr, md.Timestamp)), 3);
    }

    [Fact]
    public void SnapshotStore_should_save_and_overwrite_snapshot_with_same_sequence_number()
    {
        var md = Metadata[4];
        SnapshotStore.Tell(new SaveSnapshot(md, "s-5-modified"), _sender.Ref);
        Assert.Equal(md.SequenceNr, _sender.ExpectMsg<SaveSnapshotSuccess>().Metadata.SequenceNr);

        var result = Load(new SnapshotSelectionCriteria(md.SequenceNr));
        Assert.Equal("s-5-modified", result.Snapshot.Snapshot.ToString());
        Assert.Equal(md.SequenceNr, result.Snapshot.Metadata.SequenceNr);
    }

    [Theory]
    [InlineData(10_000)]
    [InlineData(4 << 20)]
    public void SnapshotStore_should_save_bigger_size_snapshot(int size)
    {
        var big = new byte[size];
        Random.Shared.NextBytes(big);
        SnapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(Pid, 100, DateTime.MinValue), big), _sender.Ref);
        _sender.ExpectMsg<SaveSnapshotSuccess>();
        var loaded = Load(SnapshotSelectionCriteria.Latest);
        Assert.Equal(big, Assert.IsType<byte[]>(loaded.Snapshot.Snapshot));
    }

    [Fact]
    public void ShouldSerializeSnapshots()
    {
        var probe = CreateTestProbe();
        var snapshot = new TestPayload(probe.Ref);
        SnapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(Pid, 100, DateTime.MinValue), snapshot), _sender.Ref);
        _sender.ExpectMsg<SaveSnapshotSuccess>(m => m.Metadata.PersistenceId == Pid && m.Metadata.SequenceNr == 100);

        var loaded = Load(SnapshotSelectionCriteria.Latest);
        Assert.Equal(Pid, loaded.Snapshot.Metadata.PersistenceId);
        Assert.Equal(100, loaded.Snapshot.Metadata.SequenceNr);
        Assert.Equal(snapshot, loaded.Snapshot.Snapshot);
        Assert.Equal(probe.Ref.Path.ToStringWithAddress(), ((TestPayload)loaded.Snapshot.Snapshot).Ref.Path.ToStringWithAddress());
    }

    [Fact]
    public void A_snapshot_that_cannot_be_serialized_is_not_saved()
    {
        SnapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(Pid, 100, DateTime.MinValue), new UnserializableEvent("state")), _sender.Ref);
        _sender.ExpectMsg<SaveSnapshotFailure>(f => f.Cause.Message.Contains("cannot be serialized"));
        AssertLoaded(Load(SnapshotSelectionCriteria.Latest), 4);
        Assert.DoesNotContain(Checkpoints.Enqueued, s => s.SequenceNr == 100);
    }

    [Fact]
    public void Every_saved_snapshot_is_pushed_to_checkpoint_storage_as_its_serialized_bytes()
    {
        var pushed = Checkpoints.Enqueued.Where(s => s.PersistenceId == Pid).ToList();
        Assert.Equal(Metadata.Select(m => (m.SequenceNr, m.Timestamp)), pushed.Select(s => (s.SequenceNr, s.TimestampUtc)));

        // The pushed bytes are the self-describing snapshot: a node restoring from storage reads them back.
        var fresh = Pid + "-restored";
        var last = pushed[^1];
        Checkpoints.Add(last with { PersistenceId = fresh });
        var result = Load(SnapshotSelectionCriteria.Latest, pid: fresh);
        Assert.Equal("s-5", result.Snapshot.Snapshot);
        Assert.Equal(last.SequenceNr, result.Snapshot.Metadata.SequenceNr);
    }

    [Fact]
    public void A_load_takes_the_newer_snapshot_from_checkpoint_storage()
    {
        var newer = Checkpoints.Enqueued.Last(s => s.PersistenceId == Pid) with { SequenceNr = 20 };
        Checkpoints.Add(newer);
        var result = Load(SnapshotSelectionCriteria.Latest);
        Assert.Equal(20, result.Snapshot.Metadata.SequenceNr);

        // ... within the criteria: bounded below 20, the local one at 15 is the newest.
        AssertLoaded(Load(SnapshotSelectionCriteria.Latest, 19), 4, 19);
    }

    [Fact]
    public void A_load_takes_the_newer_local_snapshot_when_storage_is_behind()
    {
        Checkpoints.DeleteAsync(Pid, 13, long.MaxValue, DateTime.MinValue, DateTime.MaxValue, CancellationToken.None);
        AssertLoaded(Load(SnapshotSelectionCriteria.Latest), 4);
    }

    [Fact]
    public void A_load_fails_when_checkpoint_storage_cannot_be_read()
    {
        Checkpoints.FailLoads = new IOException("storage unreachable");
        SnapshotStore.Tell(new LoadSnapshot(Pid, SnapshotSelectionCriteria.Latest, long.MaxValue), _sender.Ref);
        var failed = _sender.ExpectMsg<LoadSnapshotFailed>();
        Assert.Contains("storage unreachable", failed.Cause.ToString());
    }

    [Fact]
    public void Deletes_are_forwarded_to_checkpoint_storage()
    {
        SnapshotStore.Tell(new DeleteSnapshot(new SnapshotMetadata(Pid, 11, DateTime.MinValue)), _sender.Ref);
        _sender.ExpectMsg<DeleteSnapshotSuccess>();
        SnapshotStore.Tell(new DeleteSnapshots(Pid, new SnapshotSelectionCriteria(13)), _sender.Ref);
        _sender.ExpectMsg<DeleteSnapshotsSuccess>();

        AwaitCondition(() => Checkpoints.Deletes.Count == 2, TimeSpan.FromSeconds(5));
        Assert.Equal(new[] { $"{Pid} 11..11", $"{Pid} 0..13" }, Checkpoints.Deletes.ToArray());
        Assert.Equal(new long[] { 14, 15 }, Checkpoints.Snapshots.Where(s => s.PersistenceId == Pid).Select(s => s.SequenceNr).Order());
    }
}
