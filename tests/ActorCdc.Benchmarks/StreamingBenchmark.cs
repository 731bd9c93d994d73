using System.Diagnostics;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Sinks;
using ActorCdc.Sink.Postgres;
using ActorCdc.Testing;
using Akka.Configuration;

namespace ActorCdc.Benchmarks;

/// <summary>
/// <c>bench streaming</c>: N rows inserted in 1000-row transactions, drained from three slots created before the load —
/// by pg_recvlogical (the baseline), by the pipeline into the blackhole sink, and by the pipeline into the PostgreSQL
/// sink — over the same TCP transport with the same pgoutput options (protocol 2, streaming on, messages on, text).
/// Each pipeline variant runs in its own child process so its peak RSS is its own.
/// </summary>
public static class StreamingBenchmark
{
    private const string Publication = "bench_pub";
    private const string Table = "public.bench";

    public static async Task<int> RunAsync(long rows, string repoRoot)
    {
        using var pg = PostgresServer.Start("max_wal_size = '4GB'", "checkpoint_timeout = '30min'");
        await pg.ExecuteAsync("postgres", "CREATE DATABASE bench");
        await pg.ExecuteAsync("postgres", "CREATE DATABASE sink");
        await pg.ExecuteAsync("bench", $"""
            CREATE TABLE bench (id bigserial PRIMARY KEY, a int, b text, c timestamptz, d numeric(12,2));
            CREATE PUBLICATION {Publication} FOR TABLE bench;
            """);
        foreach (var slot in new[] { "s_recvlogical", "s_blackhole", "s_postgres" })
            await pg.ExecuteAsync("bench", $"SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput')");
        Console.WriteLine($"loading {rows:N0} rows in 1000-row transactions...");
        var load = Stopwatch.StartNew();
        await pg.ExecuteAsync("bench", $"""
            DO $$ BEGIN
              FOR i IN 1..{rows / 1000} LOOP
                INSERT INTO bench (a, b, c, d)
                  SELECT g, repeat(md5(g::text), 4)::char(100), now(), (g % 100000) / 100.0 FROM generate_series(1, 1000) g;
                COMMIT;
              END LOOP;
            END $$;
            """);
        var endLsn = await pg.ScalarAsync<string>("bench", "SELECT pg_current_wal_lsn()::text") ?? throw new InvalidOperationException("no LSN");
        Console.WriteLine($"loaded in {load.Elapsed.TotalSeconds:0.0}s; WAL end {endLsn}");

        var report = new BenchReport("streaming", rows, "tcp");
        report.Note("pgoutput", "proto_version=2, streaming=on, messages=on, binary=off");

        var recv = RecvLogical(pg, endLsn);
        report.Variant("pg_recvlogical", recv);

        foreach (var variant in new[] { "blackhole", "postgres" })
        {
            var (seconds, rss) = RunChild(variant, pg, rows);
            report.Variant(variant, seconds, rss);
            report.Ratio(variant, "pg_recvlogical");
        }
        var rowsInSink = await pg.ScalarAsync<long>("sink", "SELECT count(*) FROM public.bench");
        var rowsInSource = await pg.ScalarAsync<long>("bench", "SELECT count(*) FROM public.bench");
        if (rowsInSink != rowsInSource) throw new InvalidOperationException($"postgres sink holds {rowsInSink} rows, source {rowsInSource}");
        report.Print();
        if (ProfileTrace.Enabled) ProfileTrace.PrintWhere(); // traced figures carry the profiler's overhead: not a benchmark result
        else Console.WriteLine($"wrote {report.Write(repoRoot)}");
        return 0;
    }

    private static double RecvLogical(PostgresServer pg, string endLsn)
    {
        var psi = new ProcessStartInfo(Path.Combine(pg.BinDir, "pg_recvlogical")) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", pg.Port.ToString(), "-U", "postgres", "-d", "bench", "--slot", "s_recvlogical",
                                  "--start", "--no-loop", "-E", endLsn, "-f", "/dev/null",
                                  "-o", "proto_version=2", "-o", $"publication_names={Publication}", "-o", "streaming=on", "-o", "messages=true" })
            psi.ArgumentList.Add(a);
        psi.Environment["PGPASSWORD"] = PostgresServer.Password;
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        sw.Stop();
        if (p.ExitCode != 0) throw new InvalidOperationException($"pg_recvlogical exited {p.ExitCode}: {err}");
        return sw.Elapsed.TotalSeconds;
    }

    private static (double Seconds, long PeakRss) RunChild(string variant, PostgresServer pg, long rows)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        if (ProfileTrace.For(variant) is { } trace) psi = trace.Wrap(psi); // ./build.sh profile: this child runs under dotnet-trace
        foreach (var a in new[] { typeof(StreamingBenchmark).Assembly.Location, "streaming-variant", variant, pg.ConnectionString("bench"), pg.ConnectionString("sink"), rows.ToString() })
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_gcServer"] = "0";
        using var p = Process.Start(psi)!;
        string? result = null;
        while (p.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith("RESULT ", StringComparison.Ordinal)) result = line;
            else Console.WriteLine("  " + line);
        }
        p.WaitForExit();
        if (p.ExitCode != 0 || result is null) throw new InvalidOperationException($"variant {variant} failed with exit code {p.ExitCode}");
        var parts = result.Split(' ');
        return (double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), long.Parse(parts[2]));
    }

    /// <summary>The child process: runs one pipeline variant until every row is committed in its sink.</summary>
    public static async Task<int> RunVariantAsync(string variant, string source, string sink, long rows)
    {
        var hocon = $$"""
            source { connection-string = "{{source}}", tables = ["{{Table}}"], slot = s_{{variant}}, publication = {{Publication}}, create-slot = off }
            sink { type = {{variant}}, connection-string = "{{sink}}" }
            # The rows were loaded after the slot was created: the WAL holds every one of them, so this measures
            # streaming alone (with the default mode = initial the same rows would also be copied by a backfill).
            snapshot { mode = never }
            """;
        var settings = PipelineSettings.Parse("bench", ConfigurationFactory.ParseString(hocon), ConfigurationFactory.Empty);
        var registry = new PipelineRegistry();
        var factory = variant == "blackhole"
            ? (Core.Sinks.ISinkFactory)new BlackholeSinkFactory()
            : new PostgresSinkFactory("bench", new PostgresSinkSettings(sink));
        await factory.ValidateAsync(CancellationToken.None);
        registry.Add(new PipelineRuntime(settings, factory));

        // The clock starts once the cluster is up (forming a cluster is not replication work) and includes
        // preparing the source, opening the slot and draining it, as pg_recvlogical's time includes its connection.
        await using var node = await EmbeddedNode.StartAsync(registry, startPipelines: false);
        var sw = Stopwatch.StartNew();
        await node.StartPipelinesAsync();
        long applied = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(20);
        while (applied < rows)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{variant}: only {applied} of {rows} rows applied");
            await Task.Delay(20);
            var status = await node.StatusAsync("bench");
            applied = 0;
            foreach (var t in status.Tables) applied += t.RowsApplied;
        }
        sw.Stop();
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"RESULT {sw.Elapsed.TotalSeconds} {PeakRss.Read()}"));
        return 0;
    }
}
