using System.Text.Json;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Storage;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using ActorCdc.Testing;
using Xunit;
using static ActorCdc.Persistence.RocksDb.Tests.Checkpoints.CheckpointTestSupport;

namespace ActorCdc.Persistence.RocksDb.Tests.Checkpoints;

public sealed class SavepointStoreTests(S3Fixture fixture) : IClassFixture<S3Fixture>, IDisposable
{
    private readonly string _dir = TempDirectory("svp");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<string> Stores => new() { "file", "s3" };

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_savepoint_is_written_listed_and_read_back_verified(string kind)
    {
        using var owned = Store(kind) as IDisposable;
        var objects = (IObjectStore)owned! ?? Store(kind);
        var savepoints = new SavepointStore(objects);
        var snapshots = new[] { SnapshotOf("shop/public.orders", 120, 50_000), SnapshotOf("shop/public.items", 7), SnapshotOf("shop/sales.x", 1, 0) };

        var manifest = await savepoints.WriteAsync("shop", snapshots, Timeout());
        await savepoints.WriteAsync("other", [SnapshotOf("other/t", 1)], Timeout());

        var listed = Assert.Single(await savepoints.ListAsync("shop", Timeout()));
        Assert.Equal(manifest.SavepointId, listed.SavepointId);
        Assert.Equal("shop", listed.Pipeline);
        Assert.Equal(SavepointStore.FormatVersion, listed.FormatVersion);
        Assert.Equal(["shop/public.items", "shop/public.orders", "shop/sales.x"], listed.Entries.Select(e => e.PersistenceId));
        Assert.All(listed.Entries, e => Assert.Matches("^sha256:[0-9a-f]{64}$", e.Checksum));

        var read = await savepoints.ReadAsync("shop", manifest.SavepointId, Timeout());
        Assert.Equal(3, read.Snapshots.Count);
        foreach (var s in snapshots) AssertSame(s, read.Snapshots.Single(x => x.PersistenceId == s.PersistenceId));

        // Self-describing: the manifest is plain JSON naming format, pipeline and every entry's key and checksum.
        var json = JsonDocument.Parse((await objects.GetAsync($"savepoints/shop/{manifest.SavepointId}/manifest.json", Timeout()))!);
        Assert.Equal("actorcdc-savepoint", json.RootElement.GetProperty("format").GetString());
        Assert.Equal("shop", json.RootElement.GetProperty("pipeline").GetString());
        var entry = json.RootElement.GetProperty("entries")[0];
        Assert.Equal("shop/public.items", entry.GetProperty("persistence_id").GetString());
        Assert.NotNull(await objects.GetAsync($"savepoints/shop/{manifest.SavepointId}/{entry.GetProperty("key").GetString()}", Timeout()));
    }

    [Fact]
    public async Task A_savepoint_without_its_manifest_is_not_listed_and_cannot_be_read()
    {
        var objects = new FileObjectStore(_dir);
        var savepoints = new SavepointStore(objects);
        var complete = await savepoints.WriteAsync("shop", [SnapshotOf("a", 1)], Timeout());
        var incomplete = await savepoints.WriteAsync("shop", [SnapshotOf("a", 2), SnapshotOf("b", 2)], Timeout());
        // As if the writer died before its last step.
        await objects.DeleteAsync($"savepoints/shop/{incomplete.SavepointId}/manifest.json", Timeout());

        Assert.Equal([complete.SavepointId], (await savepoints.ListAsync("shop", Timeout())).Select(m => m.SavepointId));
        var e = await Assert.ThrowsAsync<CdcException>(() => savepoints.ReadAsync("shop", incomplete.SavepointId, Timeout()));
        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains("incomplete", e.Message);
    }

    [Fact]
    public async Task A_damaged_entry_fails_the_read_with_a_fatal_error_naming_it()
    {
        var objects = new FileObjectStore(_dir);
        var savepoints = new SavepointStore(objects);
        var manifest = await savepoints.WriteAsync("shop", [SnapshotOf("a", 1, 4000), SnapshotOf("b", 1, 4000)], Timeout());
        var key = $"savepoints/shop/{manifest.SavepointId}/{manifest.Entries[1].Key}";
        var bytes = (await objects.GetAsync(key, Timeout()))!;
        bytes[^1] ^= 1;
        await objects.PutAsync(key, bytes, Timeout());

        var e = await Assert.ThrowsAsync<CdcException>(() => savepoints.ReadAsync("shop", manifest.SavepointId, Timeout()));

        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains(manifest.Entries[1].Key, e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public async Task Savepoints_list_newest_first_and_can_be_deleted()
    {
        var objects = new FileObjectStore(_dir);
        var savepoints = new SavepointStore(objects);
        var first = await savepoints.WriteAsync("shop", [SnapshotOf("a", 1)], Timeout());
        var second = await savepoints.WriteAsync("shop", [SnapshotOf("a", 2)], Timeout());

        Assert.Equal([second.SavepointId, first.SavepointId], (await savepoints.ListAsync("shop", Timeout())).Select(m => m.SavepointId));

        await savepoints.DeleteAsync("shop", second.SavepointId, Timeout());
        Assert.Equal([first.SavepointId], (await savepoints.ListAsync("shop", Timeout())).Select(m => m.SavepointId));
        Assert.Empty(await objects.ListAsync($"savepoints/shop/{second.SavepointId}/", Timeout()));
    }

    [Fact]
    public async Task A_savepoint_holds_one_snapshot_per_persistence_id() =>
        await Assert.ThrowsAsync<ArgumentException>(() =>
            new SavepointStore(new FileObjectStore(_dir)).WriteAsync("shop", [SnapshotOf("a", 1), SnapshotOf("a", 2)], Timeout()));

    private IObjectStore Store(string kind) =>
        kind == "s3" ? S3Store(fixture.Server, S3Fixture.NewPrefix()) : new FileObjectStore(_dir);
}
