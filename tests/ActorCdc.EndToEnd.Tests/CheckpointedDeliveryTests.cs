using System.Diagnostics;
using ActorCdc.Testing;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>
/// delivery.ack-on = checkpointed (DESIGN.md §3.3, §3.6): the sink is a PostgreSQL server of its own that goes down;
/// the slot keeps advancing on checkpoints (journal segments in checkpoint storage), and after the outage — even on a
/// node whose local disk was lost — the sink equals the source row by row with no double effect.
/// </summary>
public class CheckpointedDeliveryTests(E2eFixture pg, ITestOutputHelper output) : IClassFixture<E2eFixture>
{
    private const string Schema = """
        CREATE TABLE orders (id bigint PRIMARY KEY, customer int NOT NULL, status text NOT NULL, total numeric(12,2));
        CREATE TABLE counters (name text PRIMARY KEY, n bigint NOT NULL);
        CREATE TABLE audit (id bigint PRIMARY KEY, note text NOT NULL);
        """;

    /// <summary>The issue asks for a 2-minute sink outage; ACTORCDC_SINK_OUTAGE_SECONDS shortens it for local runs.</summary>
    private static TimeSpan Outage =>
        int.TryParse(Environment.GetEnvironmentVariable("ACTORCDC_SINK_OUTAGE_SECONDS"), out var s) && s > 0 ? TimeSpan.FromSeconds(s) : TimeSpan.FromMinutes(2);

    [Fact]
    public async Task The_slot_keeps_advancing_through_a_sink_outage_and_the_sink_catches_up_row_by_row()
    {
        await using var sinkServer = PostgresServer.Start();
        var (src, snk, storage) = await PrepareAsync(sinkServer);
        await using var node = NodeProcess.Start(NodeProcess.Config(Pipeline(src, sinkServer, snk), state: Storage(storage)));
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await pg.Server.ExecuteAsync(src, "INSERT INTO counters VALUES ('a', 0);");
        await WaitForSinkAsync(sinkServer, snk, "SELECT count(*) FROM counters", 1);

        var stop = new StopFlag();
        var workload = Task.Run(() => WorkloadAsync(pg.Server, src, stop));
        await WaitForSinkAsync(sinkServer, snk, "SELECT count(*) FROM orders", 100);

        sinkServer.Stop();
        var outage = Stopwatch.StartNew();
        var samples = new List<long> { await ConfirmedAsync(src) };
        while (outage.Elapsed < Outage)
        {
            // Each sample waits for the slot to pass both its previous sample and where the source's WAL is now.
            var walNow = await pg.Server.ScalarAsync<long>(src, "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint");
            var previous = samples[^1];
            samples.Add(await Eventually.WaitAsync(() => ConfirmedAsync(src), c => c >= walNow && c > previous, TimeSpan.FromSeconds(60),
                $"the slot's confirmed_flush_lsn to pass {Math.Max(walNow, previous)} while the sink is down"));
        }
        output.WriteLine($"confirmed_flush_lsn during a {outage.Elapsed.TotalSeconds:0}s outage: {string.Join(", ", samples)}");
        Assert.True(samples.Count >= 4, $"only {samples.Count} samples");
        for (var i = 1; i < samples.Count; i++) Assert.True(samples[i] > samples[i - 1], $"confirmed_flush_lsn did not advance: {string.Join(", ", samples)}");
        var segments = Directory.GetFiles(storage, "*.seg", SearchOption.AllDirectories).Length;
        Assert.True(segments > 0, "no journal segment in checkpoint storage during the outage");

        sinkServer.StartServer();
        stop.Set();
        var transactions = await workload;
        await AssertSinkEqualsSourceAsync(sinkServer, src, snk, "orders", "id");
        await AssertSinkEqualsSourceAsync(sinkServer, src, snk, "counters", "name");
        Assert.Equal(transactions, await sinkServer.ScalarAsync<long>(snk, "SELECT n FROM counters WHERE name = 'a'"));
    }

    [Fact]
    public async Task A_node_killed_during_a_sink_outage_and_replaced_on_an_empty_disk_loses_nothing_and_applies_nothing_twice()
    {
        await using var sinkServer = PostgresServer.Start();
        var (src, snk, storage) = await PrepareAsync(sinkServer);
        var pipeline = Pipeline(src, sinkServer, snk);
        var dataDir = NodeProcess.NewDataDirectory();
        var first = NodeProcess.Start(NodeProcess.Config(pipeline, state: Storage(storage), dataDirectory: dataDir));
        await first.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await pg.Server.ExecuteAsync(src, "INSERT INTO counters VALUES ('a', 0);");
        await WaitForSinkAsync(sinkServer, snk, "SELECT count(*) FROM counters", 1);

        var stop = new StopFlag();
        var workload = Task.Run(() => WorkloadAsync(pg.Server, src, stop));
        await WaitForSinkAsync(sinkServer, snk, "SELECT count(*) FROM orders", 100);
        sinkServer.Stop();
        // Wait until the slot has moved past changes the sink never got: from now on only checkpoint storage has them.
        var walAtOutage = await pg.Server.ScalarAsync<long>(src, "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint");
        await Eventually.WaitAsync(() => ConfirmedAsync(src), c => c > walAtOutage, TimeSpan.FromSeconds(60), "the slot to pass the outage's start");
        // audit changes only now: on the new node no change starts its entity, which must still write what only
        // checkpoint storage holds.
        await pg.Server.ExecuteAsync(src, "INSERT INTO audit SELECT g, 'note ' || g FROM generate_series(1, 300) g;");
        var walBeforeKill = await pg.Server.ScalarAsync<long>(src, "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint");
        await Eventually.WaitAsync(() => ConfirmedAsync(src), c => c > walBeforeKill, TimeSpan.FromSeconds(60), "the slot to pass the audit rows");

        first.Kill();
        await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await first.DisposeAsync();
        Directory.Delete(dataDir, recursive: true); // the journal is gone: only checkpoint storage remains

        await using var second = NodeProcess.Start(NodeProcess.Config(pipeline, state: Storage(storage), dataDirectory: NodeProcess.NewDataDirectory()));
        await second.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        // The new node restores from checkpoint storage and moves the slot on while the sink is still down.
        var walAtRestart = await pg.Server.ScalarAsync<long>(src, "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint");
        await Eventually.WaitAsync(() => ConfirmedAsync(src), c => c > walAtRestart, TimeSpan.FromSeconds(90),
            "the slot to advance on the new node while the sink is down");
        sinkServer.StartServer();
        await WaitForSinkAsync(sinkServer, snk, "SELECT count(*) FROM counters", 1);
        stop.Set();
        var transactions = await workload;
        await AssertSinkEqualsSourceAsync(sinkServer, src, snk, "audit", "id");
        await AssertSinkEqualsSourceAsync(sinkServer, src, snk, "orders", "id");
        await AssertSinkEqualsSourceAsync(sinkServer, src, snk, "counters", "name");
        // Every increment committed in the source is reflected once: the counter equals the number of transactions.
        Assert.Equal(transactions, await sinkServer.ScalarAsync<long>(snk, "SELECT n FROM counters WHERE name = 'a'"));
    }

    private async Task<(string Source, string Sink, string Storage)> PrepareAsync(PostgresServer sinkServer)
    {
        var src = await pg.Server.CreateDatabaseAsync("src");
        await pg.Server.ExecuteAsync(src, Schema);
        var snk = await sinkServer.CreateDatabaseAsync("snk");
        var storage = Path.Combine(NodeProcess.NewDataDirectory(), "checkpoint-storage");
        Directory.CreateDirectory(storage);
        return (src, snk, storage);
    }

    private static string Storage(string dir) => $"checkpoints.storage = \"file://{dir}\"";

    private string Pipeline(string src, PostgresServer sinkServer, string snk) => $$"""
        pipelines.e2e {
          source {
            connection-string = "{{pg.Server.ConnectionString(src)}}"
            tables = ["public.*"]
            slot = actorcdc_{{src}}
            status-interval = 500ms
            heartbeat-interval = 1s
            table-discovery-interval = 1s
          }
          sink { type = postgres, connection-string = "{{sinkServer.ConnectionString(snk)}}", retry { min-backoff = 100ms, max-backoff = 1s } }
          checkpoints.interval = 500ms
          delivery.ack-on = checkpointed
        }
        """;

    private Task<long> ConfirmedAsync(string src) =>
        pg.Server.ScalarAsync<long>(src, $"SELECT (confirmed_flush_lsn - '0/0'::pg_lsn)::bigint FROM pg_replication_slots WHERE slot_name = 'actorcdc_{src}'");

    private static Task WaitForSinkAsync(PostgresServer sinkServer, string snk, string countSql, long atLeast) =>
        Eventually.WaitAsync(async () =>
        {
            try { return await sinkServer.ScalarAsync<long>(snk, countSql) >= atLeast; }
            catch (NpgsqlException) { return false; }
        }, TimeSpan.FromSeconds(120), $"{countSql} >= {atLeast} in the sink");

    /// <summary>Paced transactions (orders inserted, updated, deleted; one counter increment each) until stopped; returns how many committed.</summary>
    private static async Task<long> WorkloadAsync(PostgresServer server, string db, StopFlag stop)
    {
        await using var conn = new NpgsqlConnection(server.ConnectionString(db));
        await conn.OpenAsync();
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(40));
        long i = 0;
        while (!stop.IsSet)
        {
            i++;
            await using var cmd = new NpgsqlCommand($"""
                BEGIN;
                INSERT INTO orders SELECT {i} * 10 + g, g, 'new', {i} + g / 100.0 FROM generate_series(0, 9) g;
                UPDATE orders SET status = 'paid', total = total + 1 WHERE id = {i * 10 - 15};
                DELETE FROM orders WHERE id = {i * 10 - 27};
                UPDATE counters SET n = n + 1 WHERE name = 'a';
                COMMIT;
                """, conn);
            await cmd.ExecuteNonQueryAsync();
            await pace.WaitForNextTickAsync();
        }
        return i;
    }

    private async Task AssertSinkEqualsSourceAsync(PostgresServer sinkServer, string src, string snk, string table, string orderBy)
    {
        var query = $"SELECT * FROM {table} ORDER BY {orderBy}";
        List<string> source = [], sink = [];
        try
        {
            await Eventually.WaitAsync(async () =>
            {
                source = await pg.Server.RowsAsTextAsync(src, query);
                try { sink = await sinkServer.RowsAsTextAsync(snk, query); }
                catch (NpgsqlException) { sink = []; }
                return source.SequenceEqual(sink);
            }, TimeSpan.FromMinutes(3), $"sink {table} to equal source");
        }
        catch (TimeoutException)
        {
            var diff = Enumerable.Range(0, Math.Min(source.Count, sink.Count)).FirstOrDefault(i => source[i] != sink[i], -1);
            Assert.Fail($"sink {table} differs from source: {source.Count} source rows, {sink.Count} sink rows; first difference at row {diff}" +
                        (diff >= 0 ? $": source {source[diff]} sink {sink[diff]}" : ""));
        }
        Assert.Equal(source, sink);
    }

    private sealed class StopFlag
    {
        private volatile bool _set;
        public bool IsSet => _set;
        public void Set() => _set = true;
    }
}
