using ActorCdc.Sink.Postgres.Tests.Support;
using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.Sink.Postgres.Tests;

/// <summary>Tables with REPLICA IDENTITY FULL and no key: append-only, deletes and updates touch one equal row.</summary>
public class KeylessApplyTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private const string Events = "SELECT * FROM public.events ORDER BY n, note NULLS FIRST, doc::text";

    [Fact]
    public async Task Delete_and_update_of_duplicate_rows_touch_one_row_each()
    {
        await using var h = await SinkHarness.StartAsync(pg.Server);
        var script = new ChangeScript(TestSchemas.Keyless("public.events", "n integer", "note text", "doc json"));
        var sink = h.SinkFor(script.Schema);
        await SinkHarness.ApplyAsync(sink, script
            .Insert(1, "a", "{\"k\": 1}").Insert(1, "a", "{\"k\": 1}").Insert(1, "a", "{\"k\": 1}").Insert(2, null, "[]").Commit());

        script.DeleteFull(1, "a", "{\"k\": 1}")
            .UpdateFull([1, "a", "{\"k\": 1}"], 1, "z", "{\"k\": 1}")
            .UpdateFull([2, null, "[]"], 2, "was null", Row.Toast)
            .Insert(3, "c", null).Insert(3, "c", null).DeleteFull(3, "c", null)
            .DeleteFull(9, "not there", "{}")
            .Commit();
        await SinkHarness.ApplyAsync(sink, script);

        Assert.Equal(
            ["(1,a,\"{\"\"k\"\": 1}\")", "(1,z,\"{\"\"k\"\": 1}\")", "(2,\"was null\",[])", "(3,c,)"],
            await h.RowsAsync(Events));
        Assert.Empty(await h.RowsAsync(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'public.events'::regclass AND contype = 'p'"));
    }

    [Fact]
    public async Task Truncate_then_inserts_leave_only_the_inserts()
    {
        await using var h = await SinkHarness.StartAsync(pg.Server);
        var script = new ChangeScript(TestSchemas.Keyless("public.events", "n integer", "note text", "doc json"));
        var sink = h.SinkFor(script.Schema);
        await SinkHarness.ApplyAsync(sink, script.Insert(1, "a", null).Insert(1, "a", null).Commit());

        script.DeleteFull(1, "a", null).Truncate().Insert(2, "b", null).Insert(2, "b", null).DeleteFull(2, "b", null).Commit();
        await SinkHarness.ApplyAsync(sink, script);

        Assert.Equal(["(2,b,)"], await h.RowsAsync(Events));
    }

    [Fact]
    public async Task A_rejected_row_in_a_copy_is_a_data_error_and_nothing_of_its_batch_is_applied()
    {
        await using var h = await SinkHarness.StartAsync(pg.Server);
        await h.ExecuteAsync("CREATE TABLE public.events (n integer, note varchar(3), doc json)");
        var script = new ChangeScript(TestSchemas.Keyless("public.events", "n integer", "note text", "doc json"));
        var sink = h.SinkFor(script.Schema);

        script.Insert(1, "a", null).Insert(2, "far too long", null).Commit();
        var error = await Assert.ThrowsAsync<ActorCdc.Core.Failures.CdcException>(() => SinkHarness.ApplyAsync(sink, script));

        Assert.Equal(ActorCdc.Core.Failures.FailureKind.Data, error.Kind);
        Assert.Empty(await h.RowsAsync(Events));
        await SinkHarness.ApplyAsync(sink, script.Insert(3, "c", null).Commit());
        Assert.Equal(["(3,c,)"], await h.RowsAsync(Events));
    }
}
