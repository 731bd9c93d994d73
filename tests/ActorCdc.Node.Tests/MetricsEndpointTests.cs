using ActorCdc.Node.Tests.Support;
using ActorCdc.Testing;
using Xunit;
using Xunit.Abstractions;

namespace ActorCdc.Node.Tests;

/// <summary>The node's /metrics, /healthz and /readyz, scraped and parsed while a pipeline streams from PostgreSQL.</summary>
public sealed class MetricsEndpointTests(NodeFixture pg, ITestOutputHelper output) : IClassFixture<NodeFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static string Config(string pipelines) =>
        NodeProcess.Config(pipelines, extraNode: "\n    status-interval = 0s\n");

    private async Task<(string Source, string Sink)> DatabasesAsync(string schemaSql)
    {
        var source = await pg.Server.CreateDatabaseAsync("msrc");
        var sink = await pg.Server.CreateDatabaseAsync("msnk");
        await pg.Server.ExecuteAsync(source, schemaSql);
        return (source, sink);
    }

    private string Pipeline(string name, string source, string sink, string extraSource = "") => $$"""
        pipelines.{{name}} {
          source {
            connection-string = "{{pg.Server.ConnectionString(source)}}"
            tables = ["public.items"]
            slot = actorcdc_{{source}}
            publication = actorcdc_{{source}}
            {{extraSource}}
          }
          sink { type = postgres, connection-string = "{{pg.Server.ConnectionString(sink)}}" }
          profiles.backfill { checkpoints.interval = 500ms }
          profiles.steady { checkpoints.interval = 500ms }
        }
        """;

    [Fact]
    public async Task Rows_are_counted_per_operation_with_lag_backfill_and_checkpoint_metrics_per_pipeline()
    {
        var (source, sink) = await DatabasesAsync(
            "CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items SELECT g, 'old' FROM generate_series(1, 20) g;");
        var name = "m" + source;
        await using var node = await InProcessNode.StartAsync(Config(Pipeline(name, source, sink)));

        await WaitReadyAsync(node);
        var table = ("table", "public.items");
        var pipeline = ("pipeline", name);
        // The existing 20 rows are backfilled (and applied) before anything changes, so each row counts under one operation.
        await Eventually.WaitAsync(node.ScrapeAsync, m => m.Value("actorcdc_sink_rows_total", pipeline, table, ("operation", "backfill")) == 20,
            Timeout, "the 20 backfilled rows to be applied");
        // Streamed after the backfill: 30 inserts, 10 updates, 5 deletes.
        await pg.Server.ExecuteAsync(source, "INSERT INTO items SELECT g, 'new' FROM generate_series(21, 50) g;");
        await pg.Server.ExecuteAsync(source, "UPDATE items SET v = 'changed' WHERE id BETWEEN 21 AND 30;");
        await pg.Server.ExecuteAsync(source, "DELETE FROM items WHERE id BETWEEN 46 AND 50;");
        await Eventually.WaitAsync(async () =>
            (await pg.Server.RowsAsTextAsync(source, "SELECT * FROM items ORDER BY id")).SequenceEqual(
                await SinkRowsAsync(sink)), Timeout, "sink items to equal source");

        var metrics = await Eventually.WaitAsync(node.ScrapeAsync, metrics =>
            metrics.Value("actorcdc_sink_rows_total", pipeline, table, ("operation", "delete")) == 5
                   && metrics.Value("actorcdc_checkpoint_duration_seconds_count", pipeline, table) > 0
                   && metrics.Value("actorcdc_backfill_chunks_done", pipeline, table) >= 1, Timeout, "the delete count, a checkpoint and a finished backfill chunk in /metrics");
        output.WriteLine(string.Join("\n", metrics.Samples.Where(s => s.Name.StartsWith("actorcdc_", StringComparison.Ordinal))));

        Assert.Equal(30, metrics.Value("actorcdc_sink_rows_total", pipeline, table, ("operation", "insert")));
        Assert.Equal(10, metrics.Value("actorcdc_sink_rows_total", pipeline, table, ("operation", "update")));
        Assert.Equal(5, metrics.Value("actorcdc_sink_rows_total", pipeline, table, ("operation", "delete")));
        Assert.Equal(20, metrics.Value("actorcdc_sink_rows_total", pipeline, table, ("operation", "backfill")));
        Assert.Null(metrics.Value("actorcdc_sink_rows_total", pipeline, table, ("operation", "truncate")));
        Assert.Equal("counter", metrics.Types["actorcdc_sink_rows_total"]);

        Assert.NotNull(metrics.Value("actorcdc_lag_bytes", pipeline));
        Assert.NotNull(metrics.Value("actorcdc_lag_seconds", pipeline));
        Assert.Equal(1, metrics.Value("actorcdc_pipeline_streaming", pipeline));
        Assert.Equal(20, metrics.Value("actorcdc_backfill_rows_copied", pipeline, table));

        Assert.True(metrics.Value("actorcdc_checkpoint_size_bytes_sum", pipeline, table) > 0, "checkpoint size recorded");
        Assert.NotNull(metrics.Value("actorcdc_checkpoint_age_seconds", pipeline, table));
        // One sample per state directory watched in this process (other tests' nodes ran here too); this node's has files.
        Assert.Contains(metrics.Find("actorcdc_journal_size_bytes"), s => s.Value > 0);
        Assert.Contains(metrics.Samples, s => s.Name.StartsWith("dotnet_gc_", StringComparison.Ordinal));

        Assert.Equal(200, (await node.GetAsync("/healthz")).Status);
    }

    [Fact]
    public async Task Readyz_is_503_while_a_pipeline_cannot_start_and_healthz_stays_200()
    {
        var closed = FreePort.Next(); // nothing listens there: the pipeline retries and stays Starting
        var hocon = Config($$"""
            pipelines.unreachable {
              source { connection-string = "Host=127.0.0.1;Port={{closed}};Username=cdc;Password=x;Timeout=2", tables = ["public.t"] }
              sink { type = blackhole }
            }
            """);
        await using var node = await InProcessNode.StartAsync(hocon);

        var (status, body) = await Eventually.WaitAsync(() => node.GetAsync("/readyz"), r => r.Body.Contains("unreachable"), Timeout, "/readyz to name the pipeline");
        output.WriteLine(body);
        Assert.Equal(503, status);
        Assert.Contains("pipeline unreachable is Starting", body);
        Assert.Equal(200, (await node.GetAsync("/healthz")).Status);
    }

    [Fact]
    public async Task Readyz_is_503_with_the_reason_when_a_pipeline_failed()
    {
        var (source, sink) = await DatabasesAsync("CREATE TABLE items (id int PRIMARY KEY, v text);");
        var name = "f" + source;
        // create-publication = off and no publication: a fatal error, the pipeline enters Failed.
        await using var node = await InProcessNode.StartAsync(Config(Pipeline(name, source, sink, "create-publication = off")));

        var (status, body) = await Eventually.WaitAsync(() => node.GetAsync("/readyz"), r => r.Body.Contains("Failed"), Timeout, "/readyz to report the failed pipeline");
        output.WriteLine(body);
        Assert.Equal(503, status);
        Assert.Contains("create-publication", body);
        Assert.Equal(200, (await node.GetAsync("/healthz")).Status);
    }

    private async Task WaitReadyAsync(InProcessNode node)
    {
        var (status, body) = await Eventually.WaitAsync(() => node.GetAsync("/readyz"), r => r.Status == 200, Timeout, "/readyz to answer 200");
        output.WriteLine($"/readyz {status}: {body}");
    }

    private async Task<List<string>> SinkRowsAsync(string sink)
    {
        try { return await pg.Server.RowsAsTextAsync(sink, "SELECT * FROM items ORDER BY id"); }
        catch (Npgsql.PostgresException e) when (e.SqlState == "42P01") { return []; }
    }
}
