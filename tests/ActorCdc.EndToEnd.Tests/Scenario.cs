using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Sinks;
using ActorCdc.Testing;
using Akka.Configuration;
using Npgsql;
using Xunit;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>A source and a sink database of their own on a shared server, and the pipeline config between them.</summary>
public sealed class Scenario
{
    private Scenario(PostgresServer server, string source, string sink)
    {
        Server = server;
        SourceDb = source;
        SinkDb = sink;
    }

    public PostgresServer Server { get; }
    public string SourceDb { get; }
    public string SinkDb { get; }
    /// <summary>Slots are server-wide: each scenario has its own.</summary>
    public string Slot => "actorcdc_" + SourceDb;

    public static async Task<Scenario> CreateAsync(PostgresServer server, string schemaSql)
    {
        var s = new Scenario(server, await server.CreateDatabaseAsync("src"), await server.CreateDatabaseAsync("snk"));
        await server.ExecuteAsync(s.SourceDb, schemaSql);
        return s;
    }

    public string Pipeline(string tables = "\"public.*\"", string source = "", string sink = "", string extra = "") => $$"""
        pipelines.e2e {
          source {
            connection-string = "{{Server.ConnectionString(SourceDb)}}"
            tables = [{{tables}}]
            slot = {{Slot}}
            {{source}}
          }
          sink { type = postgres, connection-string = "{{Server.ConnectionString(SinkDb)}}" {{sink}} }
          {{extra}}
        }
        """;

    /// <summary>The pipeline of <see cref="Pipeline"/> for an in-process node (<see cref="EmbeddedNode"/>).</summary>
    public PipelineRegistry Registry(string extra = "")
    {
        var settings = PipelineSettings.ParseWithProfiles("e2e", ConfigurationFactory.ParseString(Pipeline(extra: extra))
            .GetConfig("pipelines.e2e"), ConfigurationFactory.Empty);
        var registry = new PipelineRegistry();
        registry.Add(new PipelineRuntime(settings, SinkFactories.Create(settings)));
        return registry;
    }

    public Task ExecAsync(string sql) => Server.ExecuteAsync(SourceDb, sql);

    /// <summary>Waits until the sink table equals the source table row by row, then asserts it.</summary>
    public async Task AssertSinkEqualsSourceAsync(string table, string orderBy, TimeSpan? timeout = null)
    {
        var query = $"SELECT * FROM {table} ORDER BY {orderBy}";
        List<string> src = [], dst = [];
        try
        {
            await Eventually.WaitAsync(async () =>
            {
                src = await Server.RowsAsTextAsync(SourceDb, query);
                dst = await SinkRowsAsync(query);
                return src.SequenceEqual(dst);
            }, timeout ?? TimeSpan.FromSeconds(60), $"sink {table} to equal source");
        }
        catch (TimeoutException)
        {
            var firstDiff = Enumerable.Range(0, Math.Min(src.Count, dst.Count)).FirstOrDefault(i => src[i] != dst[i], -1);
            Assert.Fail($"sink {table} differs from source: {src.Count} source rows, {dst.Count} sink rows; first difference at row {firstDiff}: " +
                        (firstDiff >= 0 ? $"source {Trim(src[firstDiff])} sink {Trim(dst[firstDiff])}" : "(one is a prefix of the other)"));
        }
        Assert.Equal(src, dst);
    }

    private async Task<List<string>> SinkRowsAsync(string query)
    {
        try { return await Server.RowsAsTextAsync(SinkDb, query); }
        catch (PostgresException e) when (e.SqlState == "42P01") { return []; } // table not created yet
    }

    public async Task<string> ConfirmedFlushLsnAsync() =>
        await Server.ScalarAsync<string>(SourceDb, $"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '{Slot}'") ?? "";

    private static string Trim(string s) => s.Length > 300 ? s[..300] + "…" : s;
}
