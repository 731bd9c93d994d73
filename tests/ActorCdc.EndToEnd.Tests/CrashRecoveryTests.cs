using ActorCdc.Testing;
using Npgsql;
using Xunit;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>No data loss is the first law: SIGKILL the node mid-stream, restart it, compare source and sink row by row.</summary>
public class CrashRecoveryTests(E2eFixture pg) : IClassFixture<E2eFixture>
{
    [Fact]
    public async Task Node_killed_mid_stream_and_restarted_loses_nothing_and_applies_nothing_twice()
    {
        var s = await Scenario.CreateAsync(pg.Server, """
            CREATE TABLE orders (id bigint PRIMARY KEY, customer int NOT NULL, status text NOT NULL, total numeric(12,2));
            CREATE TABLE counters (name text PRIMARY KEY, n bigint NOT NULL);
            """);
        var config = NodeProcess.Config(s.Pipeline());
        var node = NodeProcess.Start(config);
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));

        // Rows that existed before the slot are not copied yet (no backfill): create the counters while streaming.
        await s.ExecAsync("INSERT INTO counters VALUES ('a', 0), ('b', 0);");
        using var stop = new CancellationTokenSource();
        var workload = Task.Run(() => WorkloadAsync(s, 400, stop.Token));
        // Kill once a good part of the workload has reached the sink, so the kill lands mid-stream.
        await Eventually.WaitAsync(async () =>
        {
            try { return await pg.Server.ScalarAsync<long>(s.SinkDb, "SELECT count(*) FROM orders") > 300; }
            catch (PostgresException) { return false; }
        }, TimeSpan.FromSeconds(120), "some orders in the sink before the kill");
        node.Kill();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await node.DisposeAsync();

        await using var restarted = NodeProcess.Start(config);
        await restarted.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await workload;

        await s.AssertSinkEqualsSourceAsync("orders", "id", TimeSpan.FromMinutes(2));
        await s.AssertSinkEqualsSourceAsync("counters", "name", TimeSpan.FromMinutes(1));
        // Every increment committed in the source is reflected once: the counter equals the number of transactions.
        Assert.Equal(400L, await pg.Server.ScalarAsync<long>(s.SinkDb, "SELECT n FROM counters WHERE name = 'a'"));
    }

    private static async Task WorkloadAsync(Scenario s, int transactions, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(s.Server.ConnectionString(s.SourceDb));
        await conn.OpenAsync(ct);
        for (var i = 1; i <= transactions; i++)
        {
            await using var cmd = new NpgsqlCommand($"""
                BEGIN;
                INSERT INTO orders SELECT {i} * 10 + g, g, 'new', {i} + g / 100.0 FROM generate_series(0, 9) g;
                UPDATE orders SET status = 'paid', total = total + 1 WHERE id = {i * 10 - 15};
                DELETE FROM orders WHERE id = {i * 10 - 27};
                UPDATE counters SET n = n + 1 WHERE name = 'a';
                COMMIT;
                """, conn);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }
}
