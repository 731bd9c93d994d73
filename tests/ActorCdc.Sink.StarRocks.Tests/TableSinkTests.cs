using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Sink.StarRocks.Labels;
using ActorCdc.Sink.StarRocks.Tests.Support;
using Xunit;

namespace ActorCdc.Sink.StarRocks.Tests;

/// <summary>The at-least-once table sink end to end from its API: what it leaves in the double equals the source, row by row.</summary>
public class TableSinkTests
{
    private static readonly TableSchema Orders = TestTable.Create("public.orders",
        "id bigint key", "name text", "amount numeric(12,2)", "big text", "updated timestamp with time zone", "flag boolean");

    private static string? Loaded(string column, string? value) => column switch
    {
        "updated" => LoadedValues.As("DATETIME", value),
        "flag" => LoadedValues.As("BOOLEAN", value),
        _ => value,
    };

    private static string Big(char c) => new(c, 5000);

    private static async Task ApplyAsync(ITableSinkFixture f, ChangeScript script)
    {
        var changes = script.Take();
        await f.Sink.ApplyAsync(script.Schema, changes, changes[^1].Position, CancellationToken.None);
    }

    [Fact]
    public async Task Inserts_updates_deletes_and_unchanged_toast_end_as_the_source_row_by_row()
    {
        await using var f = await ITableSinkFixture.StartAsync(Orders);
        var script = new ChangeScript(Orders);
        for (var i = 1; i <= 20; i++) script.Insert(i, $"n{i}", $"{i}.50", Big('a'), "2024-01-02 03:04:05.5+00", i % 2 == 0 ? "t" : "f");
        await ApplyAsync(f, script.Commit());

        // Updates with unchanged TOAST keep StarRocks' value; inserts, deletes and key-moving updates interleave with them.
        script.Update(1, "n1b", "1.75", ChangeScript.Toast, "2024-02-03 04:05:06+00", "t").Commit()
            .Update(2, "n2b", "2.00", Big('b'), null, "f")
            .Update(3, "n3b", ChangeScript.Toast, ChangeScript.Toast, ChangeScript.Toast, "t")
            .Delete(4).Insert(21, "n21", "21.00", Big('c'), "2024-03-04 05:06:07.123456+00", "t")
            .Update(21, "n21b", "21.50", ChangeScript.Toast, ChangeScript.Toast, "f")
            .Update(5, "n5b", "5.55", ChangeScript.Toast, "2024-05-05 05:05:05+00", "f")
            .Update(5, "n5c", ChangeScript.Toast, Big('d'), ChangeScript.Toast, "t")
            .Delete(5).Insert(5, "n5d", "5.00", Big('e'), null, null)
            .UpdateKey([6], 60, "n60", "6.00", Big('f'), "2024-06-06 06:06:06+00", "t").Commit();
        await ApplyAsync(f, script);
        script.Update(3, "n3c", "3.33", ChangeScript.Toast, "2024-07-07 07:07:07+00", ChangeScript.Toast).Delete(7).Commit();
        await ApplyAsync(f, script);

        Rows.Equal(script.Expected(), f.Double.Table("analytics", "orders"), "id", Loaded);
        var partial = f.Double.Requests.Where(r => r.Server == "BE" && r.Headers.ContainsKey("partial_update")).ToList();
        Assert.NotEmpty(partial);
        Assert.All(partial, r => Assert.EndsWith("`__op`", r.Headers["columns"]));
        Assert.Empty(f.Double.Errors);
    }

    [Fact]
    public async Task A_replayed_batch_is_refused_as_already_loaded_and_the_table_is_unchanged()
    {
        await using var f = await ITableSinkFixture.StartAsync(Orders);
        var script = new ChangeScript(Orders);
        script.Insert(1, "a", "1.00", "x", null, "t").Insert(2, "b", "2.00", "y", null, "f").Commit();
        var first = script.Take();
        await f.Sink.ApplyAsync(Orders, first, first[^1].Position, CancellationToken.None);
        script.Update(1, "a2", "1.50", "x2", null, "f").Delete(2).Commit();
        var second = script.Take();
        await f.Sink.ApplyAsync(Orders, second, second[^1].Position, CancellationToken.None);
        var before = f.Double.Table("analytics", "orders");

        // After a crash the engine sends the first batch again with the same boundaries.
        await f.Sink.ApplyAsync(Orders, first, first[^1].Position, CancellationToken.None);

        Assert.Equal(1, f.Sink.AlreadyLoaded);
        Assert.Equal(before, f.Double.Table("analytics", "orders"), new RowsComparer());
        Rows.Equal(script.Expected(), f.Double.Table("analytics", "orders"), "id", Loaded);
        Assert.Contains(f.Double.Requests, r => r.Server == "BE" && r.Status == "Label Already Exists");
    }

    [Fact]
    public async Task A_write_beyond_max_rows_is_split_into_loads_labelled_by_their_own_positions_and_resumes_after_a_failure()
    {
        await using var f = await ITableSinkFixture.StartAsync(Orders, "max-batch-rows = 3\nretry.max-attempts = 1");
        var script = new ChangeScript(Orders);
        for (var i = 1; i <= 10; i++) script.Insert(i, $"n{i}", "1.00", "x", null, "t");
        var changes = script.Commit().Take();
        f.Double.Faults.FailBeforeApply("failed to call frontend service");
        await Assert.ThrowsAsync<CdcException>(() => f.Sink.ApplyAsync(Orders, changes, changes[^1].Position, CancellationToken.None));
        await f.Sink.ApplyAsync(Orders, changes, changes[^1].Position, CancellationToken.None);

        var hash = LoadLabel.TableHash("shop", "public.orders", "analytics", "orders");
        var expected = new[] { (0, 2), (3, 5), (6, 8), (9, 9) }
            .Select(r => LoadLabel.ForRange("test", hash, changes[r.Item1].Position, changes[r.Item2].Position)).ToList();
        var loads = f.Double.Requests.Where(r => r.Server == "BE").Select(r => (r.Label, r.Status)).ToList();
        Assert.Equal([(expected[0], "Fail"), (expected[0], "Success"), (expected[1], "Success"), (expected[2], "Success"), (expected[3], "Success")], loads);
        Assert.All(f.Double.Requests.Where(r => r.Server == "BE"), r => Assert.True(r.BodyBytes > 2));
        Rows.Equal(script.Expected(), f.Double.Table("analytics", "orders"), "id", Loaded);
    }

    [Fact]
    public async Task A_write_beyond_max_bytes_is_split_between_changes()
    {
        await using var f = await ITableSinkFixture.StartAsync(Orders, "max-batch-bytes = 20KiB");
        var script = new ChangeScript(Orders);
        for (var i = 1; i <= 10; i++) script.Insert(i, $"n{i}", "1.00", Big('z'), null, "t");
        await ApplyAsync(f, script.Commit());
        var bodies = f.Double.Requests.Where(r => r.Server == "BE").Select(r => r.BodyBytes).ToList();
        Assert.Equal(2, bodies.Count); // ~5 KB rows: a load closes at the first row that reaches 20 KiB
        Assert.All(bodies, b => Assert.InRange(b, 1, 20 * 1024 + 6000));
        Rows.Equal(script.Expected(), f.Double.Table("analytics", "orders"), "id", Loaded);
    }

    [Fact]
    public async Task A_key_change_onto_a_key_with_a_pending_partial_update_keeps_both_rows_of_the_change()
    {
        await using var f = await ITableSinkFixture.StartAsync(Orders);
        var script = new ChangeScript(Orders);
        script.Insert(1, "a", "1.00", Big('a'), null, "t").Insert(2, "b", "2.00", Big('b'), null, "f").Commit();
        await ApplyAsync(f, script);
        // Row 2 gets a partial update, then (as the planner sees it) row 1 moves onto key 2 in the last change of the write:
        // the run must end before the move's delete and upsert are written, or the delete would end one load and the
        // upsert begin another, both labelled by the same positions (the second refused as already loaded).
        script.Update(2, "b2", "2.50", ChangeScript.Toast, null, "t").Commit()
            .UpdateKey([1], 2, "moved", "9.00", Big('m'), null, "f").Commit();
        await ApplyAsync(f, script);
        Rows.Equal(script.Expected(), f.Double.Table("analytics", "orders"), "id", Loaded);
        var labels = f.Double.Requests.Where(r => r.Server == "BE").Select(r => r.Label).ToList();
        Assert.Equal(labels.Count, labels.Distinct().Count());
    }

    [Fact]
    public async Task The_old_row_of_replica_identity_full_fills_unchanged_toast_values()
    {
        await using var f = await ITableSinkFixture.StartAsync(Orders);
        var script = new ChangeScript(Orders);
        script.Insert(1, "a", "1.00", Big('a'), null, "t").Commit();
        await ApplyAsync(f, script);
        script.UpdateWithOld([1, "a", "1.00", Big('a'), null, "t"], 2, "b", "2.00", ChangeScript.Toast, null, "f").Commit();
        await ApplyAsync(f, script);
        Rows.Equal(script.Expected(), f.Double.Table("analytics", "orders"), "id", Loaded);
        Assert.DoesNotContain(f.Double.Requests, r => r.Headers.ContainsKey("partial_update"));
    }

    [Fact]
    public async Task A_truncate_empties_the_table_once_even_when_the_batch_is_replayed()
    {
        await using var f = await ITableSinkFixture.StartAsync(Orders);
        var script = new ChangeScript(Orders);
        script.Insert(1, "a", "1.00", "x", null, "t").Insert(2, "b", "2.00", "y", null, "f").Commit()
            .Truncate().Insert(3, "c", "3.00", "z", null, "t").Commit();
        var changes = script.Take();
        await f.Sink.ApplyAsync(Orders, changes, changes[^1].Position, CancellationToken.None);
        Rows.Equal(script.Expected(), f.Double.Table("analytics", "orders"), "id", Loaded);

        script.Insert(4, "d", "4.00", "w", null, "f").Commit();
        await ApplyAsync(f, script);
        await f.Sink.ApplyAsync(Orders, changes, changes[^1].Position, CancellationToken.None);

        Rows.Equal(script.Expected(), f.Double.Table("analytics", "orders"), "id", Loaded);
        Assert.Single(f.Double.Statements, s => s.StartsWith("TRUNCATE", StringComparison.Ordinal));
        Assert.Single(f.Double.Table("analytics", "actorcdc_truncations"));
    }

    [Fact]
    public async Task The_sink_holds_no_positions_and_writes_nothing_for_no_changes()
    {
        await using var f = await ITableSinkFixture.StartAsync(Orders);
        Assert.Null(await f.Sink.ReadAppliedPositionAsync(CancellationToken.None));
        await f.Sink.ApplyAsync(Orders, [], SourcePosition.Start, CancellationToken.None);
        Assert.Empty(f.Double.Requests);
        Assert.False(f.Double.TableExists("analytics", "orders"));
    }

    [Fact]
    public async Task Min_load_interval_spaces_loads_into_one_table()
    {
        await using var f = await ITableSinkFixture.StartAsync(Orders, "min-load-interval = 300ms\nmax-batch-rows = 1");
        var script = new ChangeScript(Orders);
        script.Insert(1, "a", "1.00", "x", null, "t").Insert(2, "b", "2.00", "y", null, "f").Insert(3, "c", "3.00", "z", null, "t").Commit();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await ApplyAsync(f, script);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(550), $"three loads took {clock.ElapsedMilliseconds} ms");
        Assert.Equal(3, f.Double.Table("analytics", "orders").Count);
    }

    private sealed class RowsComparer : IEqualityComparer<IReadOnlyDictionary<string, string?>>
    {
        public bool Equals(IReadOnlyDictionary<string, string?>? x, IReadOnlyDictionary<string, string?>? y) =>
            x!.Count == y!.Count && x.All(p => y.TryGetValue(p.Key, out var v) && v == p.Value);

        public int GetHashCode(IReadOnlyDictionary<string, string?> obj) => obj.Count;
    }
}
