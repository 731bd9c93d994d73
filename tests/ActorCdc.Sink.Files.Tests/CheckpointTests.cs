using System.Text;
using ActorCdc.Core.Failures;
using ActorCdc.Sink.Files.Tests.Support;
using Xunit;
using static ActorCdc.Sink.Files.Tests.Support.Rows;

namespace ActorCdc.Sink.Files.Tests;

/// <summary>
/// Two-phase commit: files are staged at prepare and published only at commit, commit is idempotent, and recovery from
/// the last completed checkpoint leaves neither duplicate rows nor partial files visible.
/// </summary>
public sealed class CheckpointTests
{
    private static readonly Core.Schema.TableSchema Items = Schema("public.items",
        Column("id", Int8, "bigint", key: true),
        Column("name", Text, "text"));

    private static Core.Changes.RowChange[] Inserts(int from, int to)
    {
        var changes = new Core.Changes.RowChange[to - from + 1];
        for (var i = from; i <= to; i++) changes[i - from] = Insert(At(i), i.ToString(), "item " + i);
        return changes;
    }

    [Fact]
    public async Task Nothing_is_visible_before_commit_and_everything_after()
    {
        await using var h = new SinkHarness();
        var sink = h.Sink("public.items");
        await sink.ApplyAsync(Items, Inserts(1, 10), At(10), h.Deadline);
        Assert.Empty(await h.PublishedKeysAsync());

        var token = await sink.PrepareAsync(At(10), h.Deadline);
        Assert.Empty(await h.PublishedKeysAsync());
        var staged = Assert.Single(await h.StagedKeysAsync());
        Assert.StartsWith("_staging/shop/public.items/dt=2024-03-01/part-", staged);
        var json = Encoding.UTF8.GetString(token);
        Assert.Contains(staged, json);
        Assert.Contains("\"through\"", json);

        await sink.CommitAsync(token, h.Deadline);
        Assert.Empty(await h.StagedKeysAsync());
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), (await h.ReadRowsAsync("public.items")).Select(r => (long)r["id"]!));
        Assert.Null(await sink.ReadAppliedPositionAsync(h.Deadline));
    }

    [Fact]
    public async Task Commit_is_idempotent_in_the_same_and_in_a_new_instance()
    {
        await using var h = new SinkHarness();
        var sink = h.Sink("public.items");
        var token = await h.ApplyAndCommitAsync(sink, Items, Inserts(1, 5));
        var published = await h.PublishedKeysAsync();

        await sink.CommitAsync(token, h.Deadline);
        h.NewFactory();
        await h.Sink("public.items").CommitAsync(token, h.Deadline);

        Assert.Equal(published, await h.PublishedKeysAsync());
        Assert.Equal(5, (await h.ReadRowsAsync("public.items")).Count);
    }

    [Fact]
    public async Task A_token_carries_files_of_an_earlier_checkpoint_whose_commit_never_ran()
    {
        await using var h = new SinkHarness();
        var sink = h.Sink("public.items");
        await sink.ApplyAsync(Items, Inserts(1, 3), At(3), h.Deadline);
        var first = await sink.PrepareAsync(At(3), h.Deadline);
        await sink.ApplyAsync(Items, Inserts(4, 6), At(6), h.Deadline);
        var second = await sink.PrepareAsync(At(6), h.Deadline);

        await sink.CommitAsync(second, h.Deadline);
        await sink.CommitAsync(first, h.Deadline);

        Assert.Empty(await h.StagedKeysAsync());
        Assert.Equal(2, (await h.PublishedKeysAsync()).Count);
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), (await h.ReadRowsAsync("public.items")).Select(r => (long)r["id"]!));
    }

    [Fact]
    public async Task Recovery_publishes_the_last_checkpoint_deletes_orphans_and_skips_what_it_holds()
    {
        await using var h = new SinkHarness();
        var other = h.Sink("public.others");
        await other.ApplyAsync(Items, [Insert(At(100), "100", "other table")], At(100), h.Deadline);
        await other.PrepareAsync(At(100), h.Deadline);

        // Incarnation 1: checkpoint 1 completes (its commit never runs), checkpoint 2 is prepared but never completes,
        // and rows after it are written; then the process dies without committing or disposing anything.
        var sink = h.Sink("public.items");
        await sink.ApplyAsync(Items, Inserts(1, 10), At(10), h.Deadline);
        var completed = await sink.PrepareAsync(At(10), h.Deadline);
        await sink.ApplyAsync(Items, Inserts(11, 20), At(20), h.Deadline);
        await sink.PrepareAsync(At(20), h.Deadline);
        await sink.ApplyAsync(Items, Inserts(21, 25), At(25), h.Deadline);
        Assert.Empty(await h.PublishedKeysAsync());
        Assert.Equal(3, (await h.StagedKeysAsync()).Count);

        // Incarnation 2 recovers with the last completed checkpoint's token, then the stream is replayed from an
        // earlier position than the one the token holds (the entity's checkpoint may lag what the sink wrote).
        h.NewFactory();
        var recovered = h.Sink("public.items");
        await recovered.RecoverAsync(completed, h.Deadline);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), (await h.ReadRowsAsync("public.items")).Select(r => (long)r["id"]!));
        var stagedLeft = Assert.Single(await h.StagedKeysAsync());
        Assert.StartsWith("_staging/shop/public.others/", stagedLeft);

        await h.ApplyAndCommitAsync(recovered, Items, Inserts(5, 25));
        var ids = (await h.ReadRowsAsync("public.items")).Select(r => (long)r["id"]!).ToList();
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), ids);
        Assert.Single(await h.StagedKeysAsync());

        // Recovering again with the same token after it was published changes nothing.
        h.NewFactory();
        await h.Sink("public.items").RecoverAsync(completed, h.Deadline);
        Assert.Equal(ids, (await h.ReadRowsAsync("public.items")).Select(r => (long)r["id"]!));
    }

    [Fact]
    public async Task Recovery_without_a_checkpoint_deletes_every_staged_file_of_the_table()
    {
        await using var h = new SinkHarness();
        var sink = h.Sink("public.items");
        await sink.ApplyAsync(Items, Inserts(1, 3), At(3), h.Deadline);
        await sink.PrepareAsync(At(3), h.Deadline);
        h.NewFactory();
        var fresh = h.Sink("public.items");
        await fresh.RecoverAsync(null, h.Deadline);
        Assert.Empty(await h.StagedKeysAsync());
        await h.ApplyAndCommitAsync(fresh, Items, Inserts(1, 3));
        Assert.Equal([1L, 2L, 3L], (await h.ReadRowsAsync("public.items")).Select(r => (long)r["id"]!));
    }

    [Fact]
    public async Task A_staged_file_of_a_completed_checkpoint_that_vanished_is_a_fatal_error_naming_it()
    {
        await using var h = new SinkHarness();
        var sink = h.Sink("public.items");
        await sink.ApplyAsync(Items, Inserts(1, 3), At(3), h.Deadline);
        var token = await sink.PrepareAsync(At(3), h.Deadline);
        var staged = Assert.Single(await h.StagedKeysAsync());
        await h.Store.DeleteAsync(staged, h.Deadline);

        h.NewFactory();
        var e = await Assert.ThrowsAsync<CdcException>(() => h.Sink("public.items").RecoverAsync(token, h.Deadline));
        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains(staged, e.Message);
        Assert.Contains("3 rows", e.Message);
    }

    [Fact]
    public async Task A_token_of_another_table_is_refused()
    {
        await using var h = new SinkHarness();
        var token = await h.ApplyAndCommitAsync(h.Sink("public.items"), Items, Inserts(1, 1));
        var e = await Assert.ThrowsAsync<CdcException>(() => h.Sink("public.other").RecoverAsync(token, h.Deadline));
        Assert.Contains("belongs to public.items", e.Message);
    }

    [Fact]
    public async Task Validate_proves_the_store_and_the_local_directory_work()
    {
        await using var h = new SinkHarness();
        await h.Factory.ValidateAsync(h.Deadline);
        Assert.Empty(await h.Store.ListAsync("", h.Deadline));
    }
}
