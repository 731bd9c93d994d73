using System.Diagnostics;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Sinks;
using ActorCdc.Engine.Snapshots;
using ActorCdc.Sink.Postgres;
using ActorCdc.Source.Postgres.Snapshots;
using ActorCdc.Testing;
using Akka.Configuration;
using Npgsql;

namespace ActorCdc.Benchmarks;

/// <summary>
/// <c>bench snapshot</c>: an initial snapshot of N rows of ~200 B (default 5M) through the pipeline into the blackhole
/// sink and into the PostgreSQL sink, next to <c>psql -c "COPY ... TO STDOUT (FORMAT binary)" &gt; /dev/null</c> and to raw
/// Npgsql binary export of the same chunk queries, in the same run, over TCP. Each pipeline variant runs in its own child
/// process so its peak RSS is its own.
/// </summary>
public static class SnapshotBenchmark
{
    private const int ChunkSize = 100_000;
    private const int Parallelism = 4;

    public static async Task<int> RunAsync(long rows, string repoRoot)
    {
        using var pg = PostgresServer.Start("max_wal_size = '4GB'", "checkpoint_timeout = '30min'", "shared_buffers = '1GB'");
        await pg.ExecuteAsync("postgres", "CREATE DATABASE bench");
        await pg.ExecuteAsync("postgres", "CREATE DATABASE sink");
        Console.WriteLine($"loading {rows:N0} rows of ~200 B...");
        var load = Stopwatch.StartNew();
        await pg.ExecuteAsync("bench", $"""
            CREATE TABLE bench (id bigserial PRIMARY KEY, a int, b text, c timestamptz, d numeric(12,2));
            INSERT INTO bench (a, b, c, d)
              SELECT g, repeat(md5(g::text), 5)::char(150), now() - g * interval '1 second', (g % 100000) / 100.0
              FROM generate_series(1, {rows}) g;
            """);
        await pg.ExecuteAsync("bench", "VACUUM ANALYZE bench");
        Console.WriteLine($"loaded in {load.Elapsed.TotalSeconds:0.0}s ({await pg.ScalarAsync<string>("bench", "SELECT pg_size_pretty(pg_table_size('bench'))")})");

        var report = new BenchReport("snapshot", rows, "tcp");
        report.Note("chunks", $"chunk-size {ChunkSize}, parallelism {Parallelism}");
        report.Variant("psql_copy_binary", PsqlCopy(pg));
        report.Variant("npgsql_export", await RawExportAsync(pg));
        foreach (var variant in new[] { "blackhole", "postgres" })
        {
            var (seconds, rss) = RunChild(variant, pg, rows);
            report.Variant(variant, seconds, rss);
            report.Ratio(variant, "psql_copy_binary");
            report.Ratio(variant, "npgsql_export");
        }
        var inSink = await pg.ScalarAsync<long>("sink", "SELECT count(*) FROM public.bench");
        if (inSink != rows) throw new InvalidOperationException($"the PostgreSQL sink holds {inSink} rows, the source {rows}");
        report.Print();
        Console.WriteLine($"wrote {report.Write(repoRoot)}");
        return 0;
    }

    private static double PsqlCopy(PostgresServer pg)
    {
        var psi = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"'{Path.Combine(pg.BinDir, "psql")}' -h 127.0.0.1 -p {pg.Port} -U postgres -d bench -c \"COPY bench TO STDOUT (FORMAT binary)\" > /dev/null");
        psi.Environment["PGPASSWORD"] = PostgresServer.Password;
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("psql COPY failed: " + err);
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>Typed binary export of the same key-range chunks, <see cref="Parallelism"/> at once, as the pipeline reads them.</summary>
    private static async Task<double> RawExportAsync(PostgresServer pg)
    {
        var splitter = new ChunkSplitter(pg.ConnectionString("bench"));
        var key = await splitter.DescribeKeyAsync(new TableId("public", "bench"), CancellationToken.None);
        var ranges = new List<ChunkRange>();
        KeyValue? cursor = null;
        while (await splitter.NextChunkAsync(key, cursor, null, ChunkSize, CancellationToken.None) is { } range)
        {
            ranges.Add(range);
            if (range.HighExclusive is null) break;
            cursor = range.HighExclusive;
        }
        var sw = Stopwatch.StartNew();
        var next = -1;
        var readers = Enumerable.Range(0, Parallelism).Select(_ => Task.Run(async () =>
        {
            await using var conn = new NpgsqlConnection(pg.ConnectionString("bench"));
            await conn.OpenAsync();
            int i;
            while ((i = Interlocked.Increment(ref next)) < ranges.Count)
            {
                var r = ranges[i];
                var where = (r.LowInclusive is { } lo ? $"id >= {lo.Values[0]}" : "true") + (r.HighExclusive is { } hi ? $" AND id < {hi.Values[0]}" : "");
                using var export = conn.BeginBinaryExport($"COPY (SELECT id, a, b, c, d FROM bench WHERE {where} ORDER BY id) TO STDOUT (FORMAT binary)");
                while (export.StartRow() != -1)
                {
                    export.Read<long>();
                    export.Read<int>();
                    export.Read<string>();
                    export.Read<DateTime>();
                    export.Read<decimal>();
                }
            }
        })).ToArray();
        await Task.WhenAll(readers);
        return sw.Elapsed.TotalSeconds;
    }

    private static (double Seconds, long PeakRss) RunChild(string variant, PostgresServer pg, long rows)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in new[] { typeof(SnapshotBenchmark).Assembly.Location, "snapshot-variant", variant, pg.ConnectionString("bench"), pg.ConnectionString("sink"), rows.ToString() })
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_gcServer"] = "0";
        using var p = Process.Start(psi)!;
        string? result = null;
        while (p.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith("RESULT ", StringComparison.Ordinal)) result = line;
            else if (!line.Contains("[WARNING]", StringComparison.Ordinal)) Console.WriteLine("  " + line);
        }
        p.WaitForExit();
        if (p.ExitCode != 0 || result is null) throw new InvalidOperationException($"variant {variant} failed with exit code {p.ExitCode}");
        var parts = result.Split(' ');
        return (double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), long.Parse(parts[2]));
    }

    /// <summary>The child process: one pipeline whose only work is the initial snapshot, until the table is done.</summary>
    public static async Task<int> RunVariantAsync(string variant, string source, string sink, long rows)
    {
        var hocon = $$"""
            source { connection-string = "{{source}}", tables = ["public.bench"], slot = snap_{{variant}}, publication = snap_{{variant}} }
            sink { type = {{variant}}, connection-string = "{{sink}}" }
            snapshot { chunk-size = {{ChunkSize}}, parallelism = {{Parallelism}} }
            """;
        var settings = PipelineSettings.ParseWithProfiles("bench", ConfigurationFactory.ParseString(hocon), ConfigurationFactory.Empty);
        var factory = variant == "blackhole"
            ? (Core.Sinks.ISinkFactory)new BlackholeSinkFactory()
            : new PostgresSinkFactory("bench", new PostgresSinkSettings(sink));
        await factory.ValidateAsync(CancellationToken.None);
        var registry = new PipelineRegistry();
        registry.Add(new PipelineRuntime(settings, factory));

        await using var node = await EmbeddedNode.StartAsync(registry, startPipelines: false);
        var sw = Stopwatch.StartNew();
        await node.StartPipelinesAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(30);
        var lastPrint = DateTime.UtcNow;
        while (true)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{variant}: backfill did not finish");
            await Task.Delay(50);
            IReadOnlyList<BackfillTableProgress> progress;
            try { progress = await node.BackfillAsync("bench"); }
            catch (Exception) { continue; } // the pipeline is still starting
            if (progress.Count == 1 && progress[0].Status == TableBackfillStatus.Done) break;
            if (DateTime.UtcNow - lastPrint > TimeSpan.FromSeconds(5) && progress.Count == 1)
            {
                lastPrint = DateTime.UtcNow;
                Console.WriteLine($"{variant}: {progress[0].RowsCopied:N0} rows, {progress[0].ChunksDone}/{progress[0].ChunksTotal} chunks");
            }
        }
        sw.Stop();
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"RESULT {sw.Elapsed.TotalSeconds} {PeakRss.Read()}"));
        return 0;
    }
}
