using ActorCdc.Testing;
using Npgsql;
using Xunit;

namespace ActorCdc.Cluster.Tests;

/// <summary>
/// A source and a sink database with <see cref="TableCount"/> keyed tables and a <c>counters</c> table, the pipeline
/// between them, and row-by-row comparison of source and sink.
/// </summary>
public sealed class ClusterScenario
{
    public const int TableCount = 6;

    private ClusterScenario(PostgresServer server, string source, string sink)
    {
        Server = server;
        SourceDb = source;
        SinkDb = sink;
    }

    public PostgresServer Server { get; }
    public string SourceDb { get; }
    public string SinkDb { get; }
    public string Slot => "actorcdc_" + SourceDb;
    public static IEnumerable<string> Tables => Enumerable.Range(1, TableCount).Select(i => $"t{i}");

    /// <summary>Creates the tables; with <paramref name="existingRowsPerTable"/> above 0 they hold rows to backfill (negative ids).</summary>
    public static async Task<ClusterScenario> CreateAsync(PostgresServer server, int existingRowsPerTable = 0)
    {
        var s = new ClusterScenario(server, await server.CreateDatabaseAsync("src"), await server.CreateDatabaseAsync("snk"));
        var sql = string.Concat(Tables.Select(t =>
            $"CREATE TABLE {t} (id bigint PRIMARY KEY, v int NOT NULL, note text);\n" +
            (existingRowsPerTable > 0 ? $"INSERT INTO {t} SELECT -g, g, repeat('e', 120) FROM generate_series(1, {existingRowsPerTable}) g;\n" : "")));
        await server.ExecuteAsync(s.SourceDb, sql + "CREATE TABLE counters (name text PRIMARY KEY, n bigint NOT NULL);\nINSERT INTO counters VALUES ('tx', 0);");
        return s;
    }

    public string Pipeline(string extra = "") => $$"""
        pipelines.c {
          source {
            connection-string = "{{Server.ConnectionString(SourceDb)}}"
            tables = ["public.*"]
            slot = {{Slot}}
          }
          sink { type = postgres, connection-string = "{{Server.ConnectionString(SinkDb)}}" }
          flow-control.ack-timeout = 15s
          {{extra}}
        }
        """;

    /// <summary>The sink's transaction counter (0 while the sink table does not exist yet).</summary>
    public async Task<long> SinkCounterAsync()
    {
        try { return await Server.ScalarAsync<long>(SinkDb, "SELECT coalesce(max(n), 0) FROM counters"); }
        catch (PostgresException e) when (e.SqlState == "42P01") { return 0; }
    }

    /// <summary>Rows in the sink's keyed tables (0 for a table not created yet).</summary>
    public async Task<long> SinkRowsAsync()
    {
        long total = 0;
        foreach (var t in Tables)
        {
            try { total += await Server.ScalarAsync<long>(SinkDb, $"SELECT count(*) FROM {t}"); }
            catch (PostgresException e) when (e.SqlState == "42P01") { }
        }
        return total;
    }

    /// <summary>Waits until every table of the sink equals the source row by row, then asserts it table by table.</summary>
    public async Task AssertSinkEqualsSourceAsync(TimeSpan timeout)
    {
        foreach (var table in Tables.Append("counters"))
        {
            var query = table == "counters" ? "SELECT * FROM counters ORDER BY name" : $"SELECT * FROM {table} ORDER BY id";
            List<string> src = [], dst = [];
            try
            {
                await Eventually.WaitAsync(async () =>
                {
                    src = await Server.RowsAsTextAsync(SourceDb, query);
                    try { dst = await Server.RowsAsTextAsync(SinkDb, query); }
                    catch (PostgresException e) when (e.SqlState == "42P01") { dst = []; }
                    return src.SequenceEqual(dst);
                }, timeout, $"sink {table} to equal source");
            }
            catch (TimeoutException)
            {
                var diff = Enumerable.Range(0, Math.Min(src.Count, dst.Count)).FirstOrDefault(i => src[i] != dst[i], -1);
                Assert.Fail($"sink {table} differs from source: {src.Count} source rows, {dst.Count} sink rows; first difference at row {diff}: " +
                            (diff >= 0 ? $"source {src[diff]} sink {dst[diff]}" : "(one is a prefix of the other)"));
            }
        }
    }
}
