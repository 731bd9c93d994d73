using System.Diagnostics;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Storage;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using ActorCdc.Persistence.RocksDb.Storage;
using ActorCdc.Testing;
using Xunit;
using static ActorCdc.Persistence.RocksDb.Tests.Checkpoints.CheckpointTestSupport;

namespace ActorCdc.Persistence.RocksDb.Tests.Checkpoints;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly string _dir = TempDirectory("cps");
    private readonly FileObjectStore _files;
    private readonly Warnings _warnings = new();

    public CheckpointStoreTests() => _files = new FileObjectStore(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task An_uploaded_snapshot_is_loaded_back_as_the_newest()
    {
        await using var store = new CheckpointStore(_files, FastSettings(), _warnings.Add);
        var older = SnapshotOf("shop/public.orders", 10);
        var newer = SnapshotOf("shop/public.orders", 20, size: 100_000);
        var other = SnapshotOf("shop/public.items", 30);

        store.EnqueueSnapshot(older);
        store.EnqueueSnapshot(newer);
        store.EnqueueSnapshot(other);
        await store.FlushAsync("shop/public.orders", Timeout());
        await store.FlushAsync("shop/public.items", Timeout());

        // A fresh store over the same location sees only what was uploaded.
        await using var reader = new CheckpointStore(new FileObjectStore(_dir), FastSettings());
        AssertSame(newer, await reader.LoadNewestAsync("shop/public.orders", 0, long.MaxValue, DateTime.MinValue, DateTime.MaxValue, Timeout()));
        AssertSame(other, await reader.LoadNewestAsync("shop/public.items", 0, long.MaxValue, DateTime.MinValue, DateTime.MaxValue, Timeout()));
        Assert.Null(await reader.LoadNewestAsync("shop/public.none", 0, long.MaxValue, DateTime.MinValue, DateTime.MaxValue, Timeout()));
        Assert.Equal(new CheckpointLag(0, 0, TimeSpan.Zero, store.Lag.LastSuccessUtc, null), store.Lag);
        Assert.NotNull(store.Lag.LastSuccessUtc);
        Assert.Equal(3, store.UploadedSnapshots);
        Assert.Empty(_warnings.All);
    }

    [Fact]
    public async Task Objects_follow_the_key_layout_and_escape_any_persistence_id()
    {
        await using var store = new CheckpointStore(_files, FastSettings());
        var pid = "../weird/ id ✓";
        var at = new DateTime(2026, 2, 3, 4, 5, 6, DateTimeKind.Utc);

        store.EnqueueSnapshot(SnapshotOf(pid, 42, at: at));
        await store.FlushAsync(pid, Timeout());

        var key = Assert.Single(await _files.ListAsync("", Timeout())).Key;
        Assert.Equal($"snapshots/%2E.%2Fweird%2F%20id%20%E2%9C%93/{42:D20}-{at.Ticks:D19}.snap", key);
        AssertSame(SnapshotOf(pid, 42, at: at), await store.LoadNewestAsync(pid, 0, long.MaxValue, DateTime.MinValue, DateTime.MaxValue, Timeout()));
    }

    [Fact]
    public async Task Loading_honours_sequence_and_timestamp_bounds()
    {
        await using var store = new CheckpointStore(_files, FastSettings(retain: 10));
        for (var seq = 1; seq <= 5; seq++) store.EnqueueSnapshot(SnapshotOf("p", seq));
        await store.FlushAsync("p", Timeout());
        var t = SnapshotOf("p", 3).TimestampUtc;

        Assert.Equal(3, (await store.LoadNewestAsync("p", 0, 3, DateTime.MinValue, DateTime.MaxValue, Timeout()))!.SequenceNr);
        Assert.Equal(3, (await store.LoadNewestAsync("p", 0, long.MaxValue, DateTime.MinValue, t, Timeout()))!.SequenceNr);
        Assert.Equal(2, (await store.LoadNewestAsync("p", 2, 4, DateTime.MinValue, t.AddSeconds(-1), Timeout()))!.SequenceNr);
        Assert.Null(await store.LoadNewestAsync("p", 6, long.MaxValue, DateTime.MinValue, DateTime.MaxValue, Timeout()));
        Assert.Null(await store.LoadNewestAsync("p", 0, long.MaxValue, t.AddDays(1), DateTime.MaxValue, Timeout()));
    }

    [Fact]
    public async Task Retention_keeps_the_last_n_snapshots_per_persistence_id()
    {
        await using var store = new CheckpointStore(_files, FastSettings(retain: 2));
        for (var seq = 1; seq <= 6; seq++)
        {
            store.EnqueueSnapshot(SnapshotOf("a", seq));
            store.EnqueueSnapshot(SnapshotOf("b", seq * 10));
        }
        await store.FlushAsync("a", Timeout());
        await store.FlushAsync("b", Timeout());

        var keys = (await _files.ListAsync("snapshots/", Timeout())).Select(o => o.Key).ToList();
        Assert.Equal(4, keys.Count);
        Assert.Equal([5L, 6L], Sequences(keys, "snapshots/a/"));
        Assert.Equal([50L, 60L], Sequences(keys, "snapshots/b/"));
    }

    [Fact]
    public async Task A_corrupt_newest_object_falls_back_to_the_previous_one_with_a_warning()
    {
        await using var store = new CheckpointStore(_files, FastSettings(), _warnings.Add);
        var first = SnapshotOf("p", 1, size: 5000);
        store.EnqueueSnapshot(first);
        store.EnqueueSnapshot(SnapshotOf("p", 2, size: 5000));
        store.EnqueueSnapshot(SnapshotOf("p", 3, size: 5000));
        await store.FlushAsync("p", Timeout());
        var keys = (await _files.ListAsync("snapshots/p/", Timeout())).Select(o => o.Key).ToList();

        // Newest: one payload byte flipped; the one before it: truncated, as an interrupted copy would leave it.
        var newest = (await _files.GetAsync(keys[2], Timeout()))!;
        newest[^100] ^= 0x40;
        await _files.PutAsync(keys[2], newest, Timeout());
        var middle = (await _files.GetAsync(keys[1], Timeout()))!;
        await _files.PutAsync(keys[1], middle.AsMemory(0, middle.Length / 2), Timeout());

        var loaded = await store.LoadNewestAsync("p", 0, long.MaxValue, DateTime.MinValue, DateTime.MaxValue, Timeout());

        AssertSame(first, loaded);
        Assert.Equal(2, _warnings.All.Count);
        Assert.Contains(keys[2], _warnings.All[0]);
        Assert.Contains("SHA-256", _warnings.All[0]);
        Assert.Contains("falling back to the previous snapshot", _warnings.All[0]);
        Assert.Contains(keys[1], _warnings.All[1]);
        Assert.Contains("truncated", _warnings.All[1]);
    }

    [Fact]
    public async Task Delete_removes_stored_and_queued_snapshots_within_the_bounds()
    {
        var switchable = new SwitchableObjectStore(_files);
        await using var store = new CheckpointStore(switchable, FastSettings(retain: 10));
        for (var seq = 1; seq <= 4; seq++) store.EnqueueSnapshot(SnapshotOf("p", seq));
        await store.FlushAsync("p", Timeout());
        switchable.Down = true;
        store.EnqueueSnapshot(SnapshotOf("p", 5));
        store.EnqueueSnapshot(SnapshotOf("p", 6));
        await Eventually.WaitAsync(() => Task.FromResult(store.Lag), lag => lag.LastError is not null, Deadline, "a failed upload");
        switchable.Down = false;

        await store.DeleteAsync("p", 3, 5, DateTime.MinValue, DateTime.MaxValue, Timeout());
        await store.FlushAsync("p", Timeout());

        Assert.Equal([1L, 2L, 6L], Sequences((await _files.ListAsync("", Timeout())).Select(o => o.Key), "snapshots/p/"));
    }

    [Fact]
    public async Task Past_the_queue_bound_older_queued_snapshots_of_the_same_entity_are_superseded()
    {
        var switchable = new SwitchableObjectStore(_files) { Down = true };
        await using var store = new CheckpointStore(switchable, FastSettings(maxQueuedBytes: 25_000), _warnings.Add);

        for (var seq = 1; seq <= 5; seq++) store.EnqueueSnapshot(SnapshotOf("hot", seq, size: 10_000));
        store.EnqueueSnapshot(SnapshotOf("cold-1", 1, size: 10_000));
        store.EnqueueSnapshot(SnapshotOf("cold-2", 1, size: 10_000));
        var flushHot = store.FlushAsync("hot", Timeout());

        // The newest snapshot of every entity stays: over the bound only "hot" loses older ones, never "cold-*".
        var lag = store.Lag;
        Assert.Equal(4, lag.QueuedObjects);
        Assert.Equal(40_000, lag.QueuedBytes);
        Assert.Equal(3, store.SupersededSnapshots);
        Assert.Contains(_warnings.All, w => w.Contains("max-queued-bytes"));
        Assert.False(flushHot.IsCompleted);

        switchable.Down = false;
        await flushHot;
        await store.FlushAsync("cold-1", Timeout());
        await store.FlushAsync("cold-2", Timeout());

        var keys = (await _files.ListAsync("", Timeout())).Select(o => o.Key).ToList();
        Assert.Equal(5L, Sequences(keys, "snapshots/hot/").Max());
        Assert.Single(Sequences(keys, "snapshots/cold-1/"));
        Assert.Single(Sequences(keys, "snapshots/cold-2/"));
        Assert.Equal(0, store.Lag.QueuedObjects);
    }

    [Fact]
    public async Task A_location_that_cannot_be_written_fails_clearly_and_leaves_no_objects()
    {
        Directory.CreateDirectory(_dir);
        var regular = Path.Combine(_dir, "regular-file");
        await File.WriteAllTextAsync(regular, "a regular file");
        var objects = ObjectStoreFactory.Create($"file://{regular}/sub", null);
        await using var store = new CheckpointStore(objects, FastSettings(), _warnings.Add);

        store.EnqueueSnapshot(SnapshotOf("p", 1));
        var e = await Assert.ThrowsAsync<CdcException>(() => store.FlushAsync("p", Timeout()));

        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains($"'{regular}' is a regular file, not a directory", e.Message);
        Assert.Contains("point the storage location at a directory", e.Message);
        Assert.Equal(e.Message, store.Lag.LastError);
        Assert.Equal(1, store.Lag.QueuedObjects);
        Assert.Contains(_warnings.All, w => w.Contains(e.Message));
        // Further flushes fail at once while the location stays broken.
        Assert.Equal(FailureKind.Fatal, (await Assert.ThrowsAsync<CdcException>(() => store.FlushAsync("p", Timeout()))).Kind);
        Assert.Equal("a regular file", await File.ReadAllTextAsync(regular));
        Assert.Equal([regular], Directory.GetFileSystemEntries(_dir));
        // The snapshot stays queued (and readable on this node) until the location is fixed.
        AssertSame(SnapshotOf("p", 1), await store.LoadNewestAsync("p", 0, long.MaxValue, DateTime.MinValue, DateTime.MaxValue, Timeout()));
    }

    [Fact]
    public async Task A_queued_snapshot_is_loaded_before_it_is_uploaded()
    {
        var switchable = new SwitchableObjectStore(_files);
        await using var store = new CheckpointStore(switchable, FastSettings());
        store.EnqueueSnapshot(SnapshotOf("p", 1));
        await store.FlushAsync("p", Timeout());
        switchable.Down = true;
        var queued = SnapshotOf("p", 2);
        store.EnqueueSnapshot(queued);
        await Eventually.WaitAsync(() => Task.FromResult(store.Lag), lag => lag.LastError is not null, Deadline, "a failed upload");
        switchable.Down = false;

        AssertSame(queued, await store.LoadNewestAsync("p", 0, long.MaxValue, DateTime.MinValue, DateTime.MaxValue, Timeout()));
    }

    [Fact]
    public async Task Flush_can_be_cancelled_and_returns_at_once_when_nothing_is_queued()
    {
        var switchable = new SwitchableObjectStore(_files) { Down = true };
        await using var store = new CheckpointStore(switchable, FastSettings());

        Assert.True(store.FlushAsync("nothing-queued", default).IsCompletedSuccessfully);
        store.EnqueueSnapshot(SnapshotOf("p", 1));
        using var cts = new CancellationTokenSource();
        var flush = store.FlushAsync("p", cts.Token);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flush);
    }

    [Fact]
    public async Task An_outage_in_the_middle_of_uploads_queues_without_blocking_and_catches_up()
    {
        await using var s3 = S3Server.StartNew();
        using var objects = S3Store(s3, "outage");
        await using var store = new CheckpointStore(objects, FastSettings(retain: 2), _warnings.Add);
        store.EnqueueSnapshot(SnapshotOf("e-0", 1));
        await store.FlushAsync("e-0", Timeout());

        s3.Stop();
        var enqueued = new List<StoredSnapshot>();
        var slowest = TimeSpan.Zero;
        for (var seq = 2; seq <= 4; seq++)
            for (var e = 0; e < 4; e++)
            {
                var snapshot = SnapshotOf($"e-{e}", seq, size: 50_000);
                var sw = Stopwatch.StartNew();
                store.EnqueueSnapshot(snapshot);
                if (sw.Elapsed > slowest) slowest = sw.Elapsed;
                enqueued.Add(snapshot);
            }
        var flush = store.FlushAsync("e-3", Timeout());

        var failing = await Eventually.WaitAsync(() => Task.FromResult(store.Lag), lag => lag.LastError is not null, Deadline, "an upload failure while s3rver is down");
        var later = await Eventually.WaitAsync(() => Task.FromResult(store.Lag), lag => lag.OldestQueuedAge > failing.OldestQueuedAge, Deadline, "the lag to grow");
        Assert.Equal(12, later.QueuedObjects);
        Assert.Equal(12 * 50_000, later.QueuedBytes);
        Assert.Contains("unreachable", later.LastError);
        Assert.False(flush.IsCompleted);
        // Enqueueing never waits for storage: each call only links a node into the queue.
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"EnqueueSnapshot took {slowest} while storage was down");

        s3.Start();
        await flush;
        for (var e = 0; e < 4; e++) await store.FlushAsync($"e-{e}", Timeout());

        Assert.Equal(0, store.Lag.QueuedObjects);
        Assert.Null(store.Lag.LastError);
        Assert.Contains(_warnings.All, w => w.Contains("resumed"));
        for (var e = 0; e < 4; e++)
        {
            AssertSame(enqueued.Last(s => s.PersistenceId == $"e-{e}"),
                await store.LoadNewestAsync($"e-{e}", 0, long.MaxValue, DateTime.MinValue, DateTime.MaxValue, Timeout()));
            Assert.Equal([3L, 4L], Sequences((await objects.ListAsync($"snapshots/e-{e}/", Timeout())).Select(o => o.Key), $"snapshots/e-{e}/"));
        }
    }

    private static List<long> Sequences(IEnumerable<string> keys, string prefix) =>
        keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Select(k => long.Parse(k[prefix.Length..][..20])).Order().ToList();
}
