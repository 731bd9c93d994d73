using ActorCdc.Testing;
using Npgsql;
using Xunit;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>
/// The initial snapshot (DESIGN.md §3.5): existing rows are copied in chunks while streaming goes on, and the sink ends
/// equal to the source row by row whatever changes land before, inside or after the chunks' windows.
/// </summary>
public class BackfillTests(E2eFixture pg) : IClassFixture<E2eFixture>
{
    private const string SmallChunks = "snapshot { chunk-size = 997, parallelism = 3 }";

    private static async Task<NodeProcess> StartAsync(Scenario s, string extra = SmallChunks, string source = "")
    {
        var node = NodeProcess.Start(NodeProcess.Config(s.Pipeline(source: source, extra: extra)));
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        return node;
    }

    [Fact]
    public async Task Existing_rows_are_copied_while_concurrent_changes_hit_keys_inside_and_around_chunks()
    {
        var s = await Scenario.CreateAsync(pg.Server, """
            CREATE TABLE items (id bigint PRIMARY KEY, v int NOT NULL, note text, doc text);
            ALTER TABLE items ALTER COLUMN doc SET STORAGE EXTERNAL;
            INSERT INTO items SELECT g, g % 100, 'note ' || g, CASE WHEN g % 500 = 0 THEN repeat(md5(g::text), 4000) END FROM generate_series(1, 30000) g;
            """);
        await using var node = await StartAsync(s);
        using var stop = new CancellationTokenSource();
        var workload = Task.Run(async () =>
        {
            await using var conn = new NpgsqlConnection(pg.Server.ConnectionString(s.SourceDb));
            await conn.OpenAsync();
            var random = new Random(42);
            for (var i = 0; i < 600 && !stop.IsCancellationRequested; i++)
            {
                var k = random.Next(1, 30000);
                var sql = (i % 6) switch
                {
                    0 => $"UPDATE items SET v = v + 1 WHERE id BETWEEN {k} AND {k + 20}",
                    1 => $"DELETE FROM items WHERE id = {k}",
                    2 => $"INSERT INTO items VALUES ({30000 + i}, 1, 'new', NULL) ON CONFLICT DO NOTHING",
                    3 => $"UPDATE items SET note = note || '+' WHERE id % 500 = {k % 500}", // leaves the TOASTed doc unchanged
                    4 => $"UPDATE items SET id = id + 1000000 WHERE id = {k}",               // a key-changing update
                    _ => $"BEGIN; UPDATE items SET v = -v WHERE id = {k}; INSERT INTO items VALUES ({50000 + i}, 2, 'tx', NULL) ON CONFLICT DO NOTHING; COMMIT;",
                };
                await using var cmd = new NpgsqlCommand(sql, conn);
                await cmd.ExecuteNonQueryAsync();
            }
        });
        await workload;
        await s.AssertSinkEqualsSourceAsync("items", "id", TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task Composite_unique_index_sparse_and_empty_tables_are_copied()
    {
        var s = await Scenario.CreateAsync(pg.Server, """
            CREATE TABLE composite (region text, n int, payload text, PRIMARY KEY (region, n));
            INSERT INTO composite SELECT 'r' || (g % 7), g, md5(g::text) FROM generate_series(1, 5000) g;
            CREATE TABLE by_index (code text NOT NULL, seq int NOT NULL, amount numeric);
            CREATE UNIQUE INDEX by_index_key ON by_index (code, seq);
            ALTER TABLE by_index REPLICA IDENTITY USING INDEX by_index_key;
            INSERT INTO by_index SELECT 'c' || (g % 13), g, g / 7.0 FROM generate_series(1, 4000) g;
            CREATE TABLE sparse (id bigint PRIMARY KEY, v text);
            INSERT INTO sparse SELECT (g::bigint * g * g * g) , 'v' || g FROM generate_series(1, 3000) g;
            INSERT INTO sparse VALUES (-9223372036854775808, 'min'), (9223372036854775807, 'max');
            CREATE TABLE empty_one (id int PRIMARY KEY);
            """);
        await using var node = await StartAsync(s);
        await s.ExecAsync("UPDATE composite SET payload = 'changed' WHERE n % 100 = 0; DELETE FROM by_index WHERE seq % 50 = 0; INSERT INTO empty_one VALUES (1);");
        await s.AssertSinkEqualsSourceAsync("composite", "region, n", TimeSpan.FromMinutes(2));
        await s.AssertSinkEqualsSourceAsync("by_index", "code, seq", TimeSpan.FromMinutes(2));
        await s.AssertSinkEqualsSourceAsync("sparse", "id", TimeSpan.FromMinutes(2));
        await s.AssertSinkEqualsSourceAsync("empty_one", "id", TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task A_table_with_replica_identity_full_and_no_key_is_copied_in_one_pass()
    {
        var s = await Scenario.CreateAsync(pg.Server, """
            CREATE TABLE events (kind text, n int, payload json);
            ALTER TABLE events REPLICA IDENTITY FULL;
            INSERT INTO events SELECT 'k' || (g % 5), g % 50, json_build_object('g', g % 50) FROM generate_series(1, 8000) g;
            """);
        await using var node = await StartAsync(s);
        await s.ExecAsync("""
            INSERT INTO events VALUES ('k1', 1, '{"g": 1}'), ('new', 0, NULL);
            DELETE FROM events WHERE ctid IN (SELECT ctid FROM events WHERE kind = 'k2' AND n = 2 LIMIT 1);
            UPDATE events SET n = -n WHERE ctid IN (SELECT ctid FROM events WHERE kind = 'k3' LIMIT 5);
            """);
        await s.AssertSinkEqualsSourceAsync("events", "kind, n, payload::text", TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task A_truncate_during_the_backfill_leaves_the_sink_equal_to_the_source()
    {
        var s = await Scenario.CreateAsync(pg.Server, """
            CREATE TABLE t (id int PRIMARY KEY, v text);
            INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
            """);
        await using var node = await StartAsync(s);
        await s.ExecAsync("TRUNCATE t; INSERT INTO t SELECT g, 'after ' || g FROM generate_series(1, 3000) g;");
        await s.AssertSinkEqualsSourceAsync("t", "id", TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task Node_killed_mid_backfill_resumes_and_the_sink_equals_the_source()
    {
        var s = await Scenario.CreateAsync(pg.Server, """
            CREATE TABLE big (id int PRIMARY KEY, a int, b text);
            INSERT INTO big SELECT g, g % 1000, repeat(md5(g::text), 3) FROM generate_series(1, 60000) g;
            """);
        var config = NodeProcess.Config(s.Pipeline(extra: "snapshot { chunk-size = 1500, parallelism = 2 }"));
        var node = NodeProcess.Start(config);
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await Eventually.WaitAsync(async () =>
        {
            try { return await pg.Server.ScalarAsync<long>(s.SinkDb, "SELECT count(*) FROM big") > 6000; }
            catch (PostgresException) { return false; }
        }, TimeSpan.FromMinutes(2), "part of the backfill in the sink before the kill");
        node.Kill();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await node.DisposeAsync();
        await s.ExecAsync("UPDATE big SET a = -a WHERE id % 1000 = 0; DELETE FROM big WHERE id % 777 = 0;");

        await using var restarted = NodeProcess.Start(config);
        await restarted.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await s.AssertSinkEqualsSourceAsync("big", "id", TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task A_table_added_to_the_publication_while_running_is_picked_up_and_backfilled()
    {
        var s = await Scenario.CreateAsync(pg.Server, "CREATE TABLE first (id int PRIMARY KEY);");
        await using var node = await StartAsync(s, source: "table-discovery-interval = 500ms");
        await s.ExecAsync("""
            CREATE TABLE later (id int PRIMARY KEY, v text);
            INSERT INTO later SELECT g, 'v' || g FROM generate_series(1, 2500) g;
            """);
        await s.ExecAsync("UPDATE later SET v = 'updated' WHERE id <= 10;");
        await s.AssertSinkEqualsSourceAsync("later", "id", TimeSpan.FromMinutes(2));
    }
}
