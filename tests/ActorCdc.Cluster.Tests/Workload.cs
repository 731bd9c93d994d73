using Npgsql;

namespace ActorCdc.Cluster.Tests;

/// <summary>
/// A steady stream of small transactions over every table: inserts, updates and deletes, and one increment of the
/// <c>tx</c> counter per transaction, so the sink's counter equals the number of committed transactions exactly
/// when nothing is lost and nothing is applied twice.
/// </summary>
public sealed class Workload : IAsyncDisposable
{
    private readonly ClusterScenario _scenario;
    private readonly Task _loop;
    private volatile bool _stop;
    private long _committed;

    private Workload(ClusterScenario scenario)
    {
        _scenario = scenario;
        _loop = Task.Run(RunAsync);
    }

    public long Committed => Interlocked.Read(ref _committed);

    public static Workload Start(ClusterScenario scenario) => new(scenario);

    /// <summary>Stops after the transaction in progress; returns the number committed.</summary>
    public async Task<long> StopAsync()
    {
        _stop = true;
        await _loop;
        return Committed;
    }

    private async Task RunAsync()
    {
        await using var conn = new NpgsqlConnection(_scenario.Server.ConnectionString(_scenario.SourceDb));
        await conn.OpenAsync();
        var n = ClusterScenario.TableCount;
        for (long i = 1; !_stop; i++)
        {
            // Between transactions only, so the count of committed transactions is exact.
            var sql = $"""
                BEGIN;
                INSERT INTO t{i % n + 1} VALUES ({i}, 0, 'new');
                INSERT INTO t{(i + 2) % n + 1} VALUES ({i}, 0, 'new');
                {(i > 13 ? $"UPDATE t{(i - 7) % n + 1} SET v = v + 1, note = 'updated {i}' WHERE id = {i - 7};" : "")}
                {(i > 13 && i % 5 == 0 ? $"DELETE FROM t{(i - 13) % n + 1} WHERE id = {i - 13};" : "")}
                UPDATE t{(i + 1) % n + 1} SET v = v + 1 WHERE id = -{i % 5000 + 1};
                UPDATE counters SET n = n + 1 WHERE name = 'tx';
                COMMIT;
                """;
            await using (var cmd = new NpgsqlCommand(sql, conn)) await cmd.ExecuteNonQueryAsync();
            Interlocked.Increment(ref _committed);
            await Task.Delay(4); // steady, not flat out: the nodes share two cores with the server and the tests
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop = true;
        try { await _loop; } catch (Exception) { /* already reported by the test that stopped it */ }
    }
}
