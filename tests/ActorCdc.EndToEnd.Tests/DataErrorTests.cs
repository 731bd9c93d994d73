using System.Text.Json;
using System.Text.RegularExpressions;
using ActorCdc.Testing;
using Npgsql;
using Xunit;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>
/// delivery.on-data-error against a real PostgreSQL sink whose target table has a CHECK constraint the source lacks:
/// rows with a negative qty are rejected by the sink; every other row must equal the source, row by row.
/// </summary>
public class DataErrorTests(E2eFixture pg) : IClassFixture<E2eFixture>
{
    private const string SourceSchema = "CREATE TABLE items (id bigint PRIMARY KEY, qty int NOT NULL, note text);";
    private const string TargetWithCheck = "CREATE TABLE items (id bigint PRIMARY KEY, qty int CHECK (qty >= 0), note text);";

    private static async Task<Scenario> ScenarioAsync(PostgresServer server)
    {
        var s = await Scenario.CreateAsync(server, SourceSchema);
        await server.ExecuteAsync(s.SinkDb, TargetWithCheck); // before the node starts: the sink keeps an existing table
        return s;
    }

    // Rows are inserted after the node streams, so they all arrive through the stream; a backfill would carry some of
    // them a second time (as chunk rows at their own positions), and each such change is rejected and counted again.
    private static string Pipeline(Scenario s, string delivery, string sink = "") => s.Pipeline(tables: "\"public.items\"",
        sink: "\nretry { min-backoff = 50ms, max-backoff = 1s }\n" + sink,
        extra: $"delivery {{ {delivery} }}\ncheckpoints.interval = 1s\nsnapshot.mode = never");

    /// <summary>Transactions of 10 inserts; every id with id % 7 == 3 has a negative qty (rejected by the sink); some valid rows are updated and deleted.</summary>
    private static async Task WorkloadAsync(Scenario s, int from, int transactions, CancellationToken ct = default)
    {
        await using var conn = new NpgsqlConnection(s.Server.ConnectionString(s.SourceDb));
        await conn.OpenAsync(ct);
        for (var i = from; i < from + transactions; i++)
        {
            await using var cmd = new NpgsqlCommand($"""
                BEGIN;
                INSERT INTO items SELECT {i} * 10 + g, CASE WHEN ({i} * 10 + g) % 7 = 3 THEN -1 ELSE g END, 'n' || g FROM generate_series(0, 9) g;
                UPDATE items SET qty = qty + 1, note = 'upd' WHERE id = {i * 10 - 14} AND qty >= 0;
                DELETE FROM items WHERE id = {i * 10 - 25} AND qty >= 0;
                COMMIT;
                """, conn);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Waits until the sink holds exactly the source's valid rows, then asserts it row by row.</summary>
    private static async Task AssertValidRowsReachedSinkAsync(Scenario s, TimeSpan timeout)
    {
        List<string> src = [], dst = [];
        try
        {
            await Eventually.WaitAsync(async () =>
            {
                src = await s.Server.RowsAsTextAsync(s.SourceDb, "SELECT * FROM items WHERE qty >= 0 ORDER BY id");
                dst = await s.Server.RowsAsTextAsync(s.SinkDb, "SELECT * FROM items ORDER BY id");
                return src.SequenceEqual(dst);
            }, timeout, "the sink to hold every valid source row");
        }
        catch (TimeoutException)
        {
            Assert.Fail($"sink differs: {src.Count} valid source rows, {dst.Count} sink rows; missing {string.Join(" ", src.Except(dst).Take(5))}; extra {string.Join(" ", dst.Except(src).Take(5))}");
        }
        Assert.Equal(src, dst);
    }

    private static async Task<List<long>> RejectedIdsAsync(Scenario s) =>
        (await s.Server.RowsAsTextAsync(s.SourceDb, "SELECT id FROM items WHERE qty < 0 ORDER BY id")).Select(t => long.Parse(t.Trim('(', ')'))).ToList();

    private static List<JsonElement> FileLetters(string dir)
    {
        var file = Path.Combine(dir, "e2e", "public.items.jsonl");
        return File.Exists(file) ? File.ReadAllLines(file).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList() : [];
    }

    /// <summary>The count printed last for public.items in the node's status output (0 when not printed).</summary>
    private static long LastCount(NodeProcess node, string what)
    {
        var line = node.Output.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith("public.items", StringComparison.Ordinal) && l.Contains(" replicated ", StringComparison.Ordinal));
        var m = line is null ? null : Regex.Match(line, what + @" (\d+)");
        return m is { Success: true } ? long.Parse(m.Groups[1].Value) : 0;
    }

    /// <summary>Waits for <paramref name="done"/> on the node's output; on timeout shows the output's tail.</summary>
    private static Task WaitForNodeAsync(NodeProcess node, Func<bool> done, string what, int seconds = 30) =>
        Eventually.WaitAsync(() => Task.FromResult(node.Output), _ => done(), TimeSpan.FromSeconds(seconds), what + " (node output tail below)\n")
            .ContinueWith(t => t.IsFaulted && t.Exception!.InnerException is TimeoutException
                ? throw new TimeoutException($"{what}; node output tail:\n{Tail(node.Output)}")
                : t, TaskScheduler.Default).Unwrap();

    private static string Tail(string text)
    {
        var file = Path.Combine(Path.GetTempPath(), $"actorcdc-node-output-{Guid.NewGuid():N}.log");
        File.WriteAllText(file, text);
        return $"(whole output in {file})\n" + (text.Length > 6000 ? text[^6000..] : text);
    }

    /// <summary>The last status line of the pipeline.</summary>
    private static string LastStatus(NodeProcess node) =>
        node.Output.Split('\n').LastOrDefault(l => l.Contains("] e2e ", StringComparison.Ordinal)) ?? "";

    [Fact]
    public async Task Dead_letter_to_a_file_keeps_every_rejected_row_with_its_position_and_error()
    {
        var s = await ScenarioAsync(pg.Server);
        var dir = NodeProcess.NewDataDirectory();
        await using var node = NodeProcess.Start(NodeProcess.Config(Pipeline(s, $"on-data-error = dead-letter, dead-letter {{ type = file, path = \"{dir}\" }}")));
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await WorkloadAsync(s, 1, 30);

        await AssertValidRowsReachedSinkAsync(s, TimeSpan.FromSeconds(90));
        var rejected = await RejectedIdsAsync(s);
        await Eventually.WaitAsync(() => Task.FromResult(FileLetters(dir).Count >= rejected.Count), TimeSpan.FromSeconds(30), "every rejected row dead-lettered");
        var letters = FileLetters(dir);
        Assert.Equal(rejected, letters.Select(l => long.Parse(l.GetProperty("key").GetProperty("id").GetString()!)).Order().ToList());
        Assert.All(letters, l => Assert.Matches(@"^[0-9A-F]+/[0-9A-F]+#\d+$", l.GetProperty("position").GetString()));
        Assert.All(letters, l => Assert.Contains("violates check constraint", l.GetProperty("error").GetString()));
        Assert.All(letters, l => Assert.Equal("-1", l.GetProperty("values").GetProperty("qty").GetString()));
        await WaitForNodeAsync(node, () => LastCount(node, "dead-lettered") == rejected.Count, $"status to count {rejected.Count} dead-lettered rows");
    }

    [Fact]
    public async Task Dead_letter_to_a_postgres_table_keeps_every_rejected_row_with_its_position_and_error()
    {
        var s = await ScenarioAsync(pg.Server);
        var dlq = pg.Server.ConnectionString(s.SinkDb);
        await using var node = NodeProcess.Start(NodeProcess.Config(Pipeline(s,
            $"on-data-error = dead-letter, dead-letter {{ type = postgres, connection-string = \"{dlq}\", table = \"dlq.rejected\" }}")));
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await WorkloadAsync(s, 1, 30);

        await AssertValidRowsReachedSinkAsync(s, TimeSpan.FromSeconds(90));
        var rejected = await RejectedIdsAsync(s);
        List<string> stored = [];
        await Eventually.WaitAsync(async () =>
        {
            stored = await pg.Server.RowsAsTextAsync(s.SinkDb, "SELECT (key->>'id')::bigint AS id FROM dlq.rejected " +
                "WHERE pipeline = 'e2e' AND source_table = 'public.items' AND error LIKE '%violates check constraint%' AND position ~ '^[0-9A-F]+/[0-9A-F]+#[0-9]+$' ORDER BY 1");
            return stored.Count >= rejected.Count;
        }, TimeSpan.FromSeconds(30), "every rejected row in dlq.rejected");
        Assert.Equal(rejected, stored.Select(t => long.Parse(t.Trim('(', ')'))).ToList());
        await WaitForNodeAsync(node, () => LastCount(node, "dead-lettered") == rejected.Count, $"status to count {rejected.Count} dead-lettered rows");
    }

    [Fact]
    public async Task Skip_applies_every_other_row_and_counts_the_rejected_ones()
    {
        var s = await ScenarioAsync(pg.Server);
        await using var node = NodeProcess.Start(NodeProcess.Config(Pipeline(s, "on-data-error = skip")));
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await WorkloadAsync(s, 1, 30);

        await AssertValidRowsReachedSinkAsync(s, TimeSpan.FromSeconds(90));
        var rejected = await RejectedIdsAsync(s);
        await WaitForNodeAsync(node, () => LastCount(node, "skipped") == rejected.Count, $"status to count {rejected.Count} skipped rows");
        Assert.Contains("rejected by the sink and skipped", node.Output);
    }

    [Fact]
    public async Task Fail_degrades_the_pipeline_naming_the_row_and_catches_up_once_the_constraint_is_dropped()
    {
        var s = await ScenarioAsync(pg.Server);
        await using var node = NodeProcess.Start(NodeProcess.Config(Pipeline(s, "on-data-error = fail")));
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await WorkloadAsync(s, 1, 10);

        await node.WaitForOutputAsync("Degraded (public.items: row at ", TimeSpan.FromSeconds(60));
        Assert.Matches(@"Degraded \(public\.items: row at [0-9A-F]+/[0-9A-F]+#\d+ rejected: 23514: [^\n]*violates check constraint[^\n]*; fix the target or set delivery.on-data-error = dead-letter \| skip\)",
            node.Output);
        await pg.Server.ExecuteAsync(s.SinkDb, "ALTER TABLE items DROP CONSTRAINT items_qty_check");

        await s.AssertSinkEqualsSourceAsync("items", "id", TimeSpan.FromSeconds(90));
        await WaitForNodeAsync(node, () => LastStatus(node).Contains(" e2e Streaming", StringComparison.Ordinal) ||
                                           LastStatus(node).Contains(" e2e Backfilling", StringComparison.Ordinal), "the pipeline to leave Degraded");
    }

    [Fact]
    public async Task Node_killed_while_rows_are_dead_lettered_loses_no_row_and_writes_no_dead_letter_twice()
    {
        var s = await ScenarioAsync(pg.Server);
        var dir = NodeProcess.NewDataDirectory();
        var config = NodeProcess.Config(Pipeline(s, $"on-data-error = dead-letter, dead-letter {{ type = file, path = \"{dir}\" }}"));
        var node = NodeProcess.Start(config);
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        using var stop = new CancellationTokenSource();
        var workload = Task.Run(() => WorkloadAsync(s, 1, 300, stop.Token));
        await Eventually.WaitAsync(() => Task.FromResult(FileLetters(dir).Count >= 40), TimeSpan.FromSeconds(120), "some dead letters before the kill");
        node.Kill();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await node.DisposeAsync();

        await using var restarted = NodeProcess.Start(config);
        await restarted.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await workload;

        await AssertValidRowsReachedSinkAsync(s, TimeSpan.FromMinutes(2));
        var rejected = await RejectedIdsAsync(s);
        await Eventually.WaitAsync(() => Task.FromResult(FileLetters(dir).Count >= rejected.Count), TimeSpan.FromSeconds(60),
            $"every rejected row dead-lettered ({rejected.Count})");
        var letters = FileLetters(dir);
        // Sink + dead letters = source, by key; no position stored twice.
        Assert.Equal(rejected, letters.Select(l => long.Parse(l.GetProperty("key").GetProperty("id").GetString()!)).Order().ToList());
        Assert.Equal(letters.Count, letters.Select(l => l.GetProperty("position").GetString()).Distinct().Count());
        var sinkIds = (await pg.Server.RowsAsTextAsync(s.SinkDb, "SELECT id FROM items")).Select(t => long.Parse(t.Trim('(', ')')));
        var sourceIds = (await pg.Server.RowsAsTextAsync(s.SourceDb, "SELECT id FROM items ORDER BY id")).Select(t => long.Parse(t.Trim('(', ')')));
        Assert.Equal(sourceIds, sinkIds.Concat(rejected).Order());
    }

    [Fact]
    public async Task A_stopped_sink_database_degrades_the_pipeline_until_it_is_back()
    {
        await using var sinkServer = PostgresServer.Start();
        var s = await Scenario.CreateAsync(pg.Server, SourceSchema);
        var sinkDb = await sinkServer.CreateDatabaseAsync("snk");
        await using var node = NodeProcess.Start(NodeProcess.Config(s.Pipeline(tables: "\"public.items\"",
            sink: $"\nconnection-string = \"{sinkServer.ConnectionString(sinkDb)}\"\nretry {{ min-backoff = 50ms, max-backoff = 1s }}\n")));
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await s.ExecAsync("INSERT INTO items SELECT g, g, 'a' FROM generate_series(1, 50) g");
        await Eventually.WaitAsync(async () =>
        {
            try { return await sinkServer.ScalarAsync<long>(sinkDb, "SELECT count(*) FROM items") == 50; }
            catch (PostgresException) { return false; }
        }, TimeSpan.FromSeconds(60), "the first rows in the sink");

        sinkServer.Stop(immediate: true);
        await s.ExecAsync("INSERT INTO items SELECT g, g, 'b' FROM generate_series(51, 100) g");
        await node.WaitForOutputAsync("Degraded (public.items: writing to the sink failed (", TimeSpan.FromSeconds(60));

        sinkServer.StartServer();
        List<string> src = [], dst = [];
        await Eventually.WaitAsync(async () =>
        {
            src = await pg.Server.RowsAsTextAsync(s.SourceDb, "SELECT * FROM items ORDER BY id");
            try { dst = await sinkServer.RowsAsTextAsync(sinkDb, "SELECT * FROM items ORDER BY id"); }
            catch (NpgsqlException) { return false; } // a pooled connection from before the restart
            return src.SequenceEqual(dst);
        }, TimeSpan.FromSeconds(90), "the sink to catch up after it came back");
        Assert.Equal(src, dst);
        await WaitForNodeAsync(node, () => !LastStatus(node).Contains("Degraded", StringComparison.Ordinal) && LastStatus(node).Length > 0,
            "the pipeline to leave Degraded");
    }
}
