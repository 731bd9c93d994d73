using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ActorCdc.Testing;
using Npgsql;

namespace ActorCdc.Benchmarks;

/// <summary>
/// <c>bench failover</c>: a three-node cluster (child processes on loopback, shared file:// checkpoint storage) streams
/// a steady workload into a PostgreSQL sink; the node running the WalReader is SIGKILLed three times (restarted on
/// its address after each round). Measures per kill the time until the new singleton streams from the slot and until
/// the sink holds every transaction committed before the kill and more (streaming resumed), then rows lost and
/// duplicate effects (a per-transaction counter) and the nodes' peak RSS. Then a throttled-sink phase: a row trigger
/// sleeping 1 ms on every sink table (no product change) while the workload writes faster than the sink takes, sampling
/// every node's RSS and the pipeline's in-flight bytes (from the status line); the triggers are dropped and the time
/// until the sink equals the source is the catch-up time.
/// </summary>
public static class FailoverBenchmark
{
    private const int Tables = 6;
    private const int Rounds = 3;
    private const string StreamingLine = "streaming from slot";

    /// <summary>What failover time depends on; printed and written with the figures.</summary>
    private const string HeartbeatPause = "3s";
    private const string StableAfter = "5s";

    /// <summary>How long the sink is throttled, and the workload's shape meanwhile (rows per transaction, pause between).</summary>
    private static readonly TimeSpan ThrottlePhase = TimeSpan.FromSeconds(45);
    private const int ThrottledRowsPerTransaction = 30;
    private const int ThrottledPauseMs = 0;

    private static readonly Regex FlowLine = new(@"flow control: in flight ([\d,]+) B, peak ([\d,]+) B of budget ([\d,]+) B", RegexOptions.Compiled);

    public static async Task<int> RunAsync(string repoRoot)
    {
        using var pg = PostgresServer.Start("wal_sender_timeout = '20s'");
        var source = await pg.CreateDatabaseAsync("src");
        var sink = await pg.CreateDatabaseAsync("snk");
        var ddl = string.Concat(Enumerable.Range(1, Tables).Select(i =>
            $"CREATE TABLE t{i} (id bigserial PRIMARY KEY, a int, b text, c timestamptz, d numeric(12,2));\n"));
        await pg.ExecuteAsync(source, ddl + "CREATE TABLE counters (name text PRIMARY KEY, n bigint NOT NULL);\nINSERT INTO counters VALUES ('tx', 0);");
        var pipeline = $$"""
            pipelines.bench {
              source {
                connection-string = "{{pg.ConnectionString(source)}}"
                tables = ["public.*"]
                slot = actorcdc_bench
              }
              sink { type = postgres, connection-string = "{{pg.ConnectionString(sink)}}" }
              flow-control.ack-timeout = 15s
            }
            """;
        var cluster = NodeProcess.ClusterConfigs(3, pipeline,
            extraNode: $"status-interval = 1s\n    split-brain-resolver {{\n      stable-after = {StableAfter}\n    }}",
            akka: $"akka.cluster.failure-detector.acceptable-heartbeat-pause = {HeartbeatPause}\nakka.cluster.sharding.rebalance-interval = 2s");
        var nodes = new NodeProcess?[3];
        var all = new List<NodeProcess>();
        var peakRss = new Dictionary<int, long>();
        NodeProcess Start(int i)
        {
            var p = NodeProcess.Start(cluster.Configs[i]);
            nodes[i] = p;
            lock (all) all.Add(p);
            return p;
        }
        for (var i = 0; i < 3; i++) Start(i);
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(() => SampleRssAsync(all, peakRss, stopSampling.Token));

        var toSingleton = new List<double>();
        var toResumed = new List<double>();
        long committed = 0;
        ThrottleResult? throttled = null;
        try
        {
            var singleton = await WaitForSingletonAsync(nodes, -1, TimeSpan.FromMinutes(2));
            await nodes[singleton]!.WaitForOutputAsync("backfill finished; switching to the steady profile", TimeSpan.FromMinutes(2));
            var workload = new SteadyWorkload(pg.ConnectionString(source));
            Console.WriteLine($"3 nodes up; node {singleton} runs the WalReader; steady workload started");
            for (var round = 1; round <= Rounds; round++)
            {
                // Steady state first: every node holds entities and the sink keeps up.
                await Eventually.WaitAsync(() => Task.FromResult(Enumerable.Range(0, 3).All(i => nodes[i]!.Output.Contains("this incarnation is epoch", StringComparison.Ordinal))),
                    TimeSpan.FromMinutes(2), "table entities on every node");
                var warm = workload.Committed + 200;
                await Eventually.WaitAsync(() => SinkCounterAsync(pg, sink), n => n >= warm, TimeSpan.FromMinutes(2), $"the sink's counter to reach {warm}");

                var victim = singleton;
                var atKill = workload.Committed;
                var sw = Stopwatch.StartNew();
                nodes[victim]!.Kill();
                singleton = await WaitForSingletonAsync(nodes, victim, TimeSpan.FromMinutes(3));
                var streaming = sw.Elapsed.TotalSeconds;
                await Eventually.WaitAsync(() => SinkCounterAsync(pg, sink), n => n > atKill, TimeSpan.FromMinutes(3), $"the sink's counter to pass {atKill}");
                var resumed = sw.Elapsed.TotalSeconds;
                toSingleton.Add(streaming);
                toResumed.Add(resumed);
                Console.WriteLine($"round {round}: killed node {victim}; node {singleton} streams after {streaming:0.00}s; sink past the kill after {resumed:0.00}s");

                await nodes[victim]!.WaitForExitAsync(TimeSpan.FromSeconds(30));
                Start(victim); // rejoins on its address; rebalancing gives it shards again
            }
            // Let the restarted node rejoin and the sink keep up again before the throttled phase.
            var settled = workload.Committed + 200;
            await Eventually.WaitAsync(() => SinkCounterAsync(pg, sink), n => n >= settled, TimeSpan.FromMinutes(2), $"the sink's counter to reach {settled}");
            throttled = await ThrottledSinkPhaseAsync(pg, source, sink, nodes, workload);
            committed = throttled.Committed;
            // Let the last batches of the other tables land before comparing.
            await Eventually.WaitAsync(async () => (await DiffAsync(pg, source, sink)).Lost == 0, TimeSpan.FromMinutes(2), "every source row in the sink");
        }
        catch
        {
            foreach (var p in all) Console.Error.WriteLine($"===== node pid {p.Pid} =====\n{Tail(p.Output, 120)}");
            throw;
        }
        finally
        {
            await stopSampling.CancelAsync();
            await sampler;
        }

        var (lost, extra, rows) = await DiffAsync(pg, source, sink);
        var counter = await SinkCounterAsync(pg, sink);
        foreach (var p in all) await p.DisposeAsync();

        var report = new BenchReport("failover", rows, "tcp");
        var median = Median(toResumed);
        report.Variant("failover", median, peakRss.Values.DefaultIfEmpty(0).Max(), rowsOverride: rows);
        report.Figure("failover", "kill_to_streaming_s_median", Math.Round(Median(toSingleton), 3));
        report.Figure("failover", "kill_to_sink_resumed_s_median", Math.Round(median, 3));
        report.Figure("failover", "rounds", Rounds);
        report.Figure("failover", "rows_lost", lost);
        report.Figure("failover", "rows_extra_in_sink", extra);
        report.Figure("failover", "transactions", committed);
        report.Figure("failover", "duplicate_effects", counter - committed);
        var t = throttled!;
        report.Figure("failover", "peak_rss_throttled_bytes", t.PeakRss);
        report.Figure("failover", "baseline_rss_bytes", t.BaselineRss);
        report.Figure("failover", "inflight_budget_bytes", t.Budget);
        report.Figure("failover", "inflight_peak_bytes", t.InFlightPeak);
        report.Figure("failover", "inflight_max_seen_bytes", t.InFlightMaxSeen);
        report.Figure("failover", "throttled_phase_s", Math.Round(t.PhaseSeconds, 1));
        report.Figure("failover", "throttled_backlog_rows", t.BacklogRows);
        report.Figure("failover", "catch_up_s", Math.Round(t.CatchUpSeconds, 1));
        report.Note("throttled_sink", $"after the kill rounds: BEFORE INSERT OR UPDATE row trigger calling pg_sleep(0.001) on every sink table for {ThrottlePhase.TotalSeconds:0}s while the workload wrote {ThrottledRowsPerTransaction} rows per transaction (pause {ThrottledPauseMs} ms); " +
            $"{t.SourceRowsWritten} source rows written in the phase, sink {t.BacklogRows} rows behind at its end. peak_rss_throttled_bytes = highest VmRSS of any node sampled every 250ms during the phase and the catch-up " +
            $"(per node: {string.Join(", ", t.PeakRssPerNode.Select(b => $"{b / 1048576.0:0} MiB"))}); baseline_rss_bytes = highest VmRSS of any node just before the phase, steady workload running " +
            $"(per node: {string.Join(", ", t.BaselineRssPerNode.Select(b => $"{b / 1048576.0:0} MiB"))}); inflight_* parsed from the nodes' status lines (status-interval 1s) printed during the phase and catch-up " +
            $"({t.StatusLines} lines; peak = the pipeline's own in-flight peak, max_seen = highest current value seen; 0 = no line seen); catch_up_s = from dropping the triggers (workload stopped) until the sink's row counts and counter equal the source's");
        report.Note("kill_to_streaming_s", string.Join(", ", toSingleton.Select(s => s.ToString("0.00"))));
        report.Note("kill_to_sink_resumed_s", string.Join(", ", toResumed.Select(s => s.ToString("0.00"))));
        report.Note("settings", $"akka.cluster.failure-detector.acceptable-heartbeat-pause = {HeartbeatPause}, actorcdc.node.split-brain-resolver.stable-after = {StableAfter} (default 20s), keep-majority, sharding rebalance-interval = 2s, flow-control.ack-timeout = 15s");
        report.Note("peak_rss", "highest VmHWM over the node processes (each sampled every 250ms)");
        report.Note("seconds", "variant seconds = median time from SIGKILL to the sink holding every transaction committed before the kill");
        report.Print();
        Console.WriteLine($"wrote {report.Write(repoRoot)}");
        return lost == 0 && counter == committed ? 0 : 1;
    }

    private sealed record ThrottleResult(long Committed, long PeakRss, long[] PeakRssPerNode, long BaselineRss, long[] BaselineRssPerNode, long Budget, long InFlightPeak,
        long InFlightMaxSeen, int StatusLines, double PhaseSeconds, long SourceRowsWritten, long BacklogRows, double CatchUpSeconds);

    /// <summary>
    /// Throttles every sink table with a row trigger (pg_sleep 1 ms, as FlowControlTests does) for <see cref="ThrottlePhase"/>
    /// while the workload writes bigger transactions without pause, sampling the nodes' VmRSS; then stops the workload,
    /// drops the triggers and times the catch-up until the sink's row counts and counter equal the source's.
    /// </summary>
    private static async Task<ThrottleResult> ThrottledSinkPhaseAsync(PostgresServer pg, string source, string sink, NodeProcess?[] nodes, SteadyWorkload workload)
    {
        var live = nodes.Select(n => n!).ToArray();
        var baseline = live.Select(n => ReadStatus(n.Pid, "VmRSS")).ToArray();
        var outputFrom = live.Select(n => n.Output.Length).ToArray();
        var sinkTables = Enumerable.Range(1, Tables).Select(i => $"t{i}").Append("counters").ToList();
        await pg.ExecuteAsync(sink, "CREATE FUNCTION throttle() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.001); RETURN NEW; END $$;\n" +
            string.Concat(sinkTables.Select(t => $"CREATE TRIGGER throttle BEFORE INSERT OR UPDATE ON public.{t} FOR EACH ROW EXECUTE FUNCTION throttle();\n")));

        var peak = new long[live.Length];
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < live.Length; i++) peak[i] = Math.Max(peak[i], ReadStatus(live[i].Pid, "VmRSS"));
                try { await Task.Delay(250, stop.Token); } catch (OperationCanceledException) { }
            }
        });

        var sourceRowsBefore = await RowCountAsync(pg, source);
        var phase = Stopwatch.StartNew();
        workload.Shape(ThrottledRowsPerTransaction, ThrottledPauseMs);
        Console.WriteLine($"throttled sink: triggers on {sinkTables.Count} sink tables; workload at {ThrottledRowsPerTransaction} rows per transaction for {ThrottlePhase.TotalSeconds:0}s");
        await Task.Delay(ThrottlePhase); // the phase is a fixed span of load, not a wait for a condition
        var committed = await workload.StopAsync();
        var phaseSeconds = phase.Elapsed.TotalSeconds;
        var sourceRows = await RowCountAsync(pg, source);
        var backlog = sourceRows - await RowCountAsync(pg, sink);
        Console.WriteLine($"throttled phase {phaseSeconds:0.0}s: {sourceRows - sourceRowsBefore:N0} source rows written, sink {backlog:N0} rows behind; node RSS now {string.Join(", ", live.Select(n => $"{ReadStatus(n.Pid, "VmRSS") / 1048576.0:0} MiB"))}");

        await pg.ExecuteAsync(sink, string.Concat(sinkTables.Select(t => $"DROP TRIGGER throttle ON public.{t};\n")));
        var catchUp = Stopwatch.StartNew();
        await Eventually.WaitAsync(async () => await SinkCounterAsync(pg, sink) >= committed && await RowCountAsync(pg, sink) == sourceRows,
            TimeSpan.FromMinutes(3), $"the sink to catch up to {sourceRows} rows and counter {committed}");
        var catchUpSeconds = catchUp.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await sampler;

        long budget = 0, inFlightPeak = 0, inFlightMax = 0;
        var lines = 0;
        for (var i = 0; i < live.Length; i++)
            foreach (Match m in FlowLine.Matches(live[i].Output[outputFrom[i]..]))
            {
                lines++;
                inFlightMax = Math.Max(inFlightMax, ParseBytes(m.Groups[1].Value));
                inFlightPeak = Math.Max(inFlightPeak, ParseBytes(m.Groups[2].Value));
                budget = Math.Max(budget, ParseBytes(m.Groups[3].Value));
            }
        Console.WriteLine($"caught up {catchUpSeconds:0.0}s after the triggers were dropped; peak node RSS {peak.Max() / 1048576.0:0} MiB (baseline {baseline.Max() / 1048576.0:0} MiB); in flight peak {inFlightPeak:N0} B of budget {budget:N0} B ({lines} status lines)");
        return new ThrottleResult(committed, peak.Max(), peak, baseline.Max(), baseline, budget, inFlightPeak, inFlightMax, lines, phaseSeconds,
            sourceRows - sourceRowsBefore, backlog, catchUpSeconds);
    }

    private static long ParseBytes(string digits) => long.Parse(digits.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    private static long ReadStatus(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { } // exited
        return 0;
    }

    private static async Task<long> RowCountAsync(PostgresServer pg, string db)
    {
        try { return await pg.ScalarAsync<long>(db, "SELECT " + string.Join(" + ", Enumerable.Range(1, Tables).Select(i => $"(SELECT count(*) FROM t{i})"))); }
        catch (PostgresException e) when (e.SqlState == "42P01") { return 0; }
    }

    private static async Task<int> WaitForSingletonAsync(NodeProcess?[] nodes, int except, TimeSpan timeout) =>
        (await Eventually.WaitAsync(
            () => Task.FromResult(Enumerable.Range(0, nodes.Length).Where(i => i != except && nodes[i] is { HasExited: false } n && n.Output.Contains(StreamingLine, StringComparison.Ordinal)).ToList()),
            l => l.Count > 0, timeout, "a node streaming from the slot"))[0];

    private static async Task<long> SinkCounterAsync(PostgresServer pg, string sink)
    {
        try { return await pg.ScalarAsync<long>(sink, "SELECT coalesce(max(n), 0) FROM counters"); }
        catch (PostgresException e) when (e.SqlState == "42P01") { return 0; }
    }

    /// <summary>Rows of the source missing from the sink (or different there), rows in the sink not in the source, source rows.</summary>
    private static async Task<(long Lost, long Extra, long Rows)> DiffAsync(PostgresServer pg, string source, string sink)
    {
        long lost = 0, extra = 0, rows = 0;
        for (var i = 1; i <= Tables; i++)
        {
            var q = $"SELECT * FROM t{i} ORDER BY id";
            var src = (await pg.RowsAsTextAsync(source, q)).ToHashSet();
            HashSet<string> dst;
            try { dst = (await pg.RowsAsTextAsync(sink, q)).ToHashSet(); }
            catch (PostgresException e) when (e.SqlState == "42P01") { dst = []; }
            rows += src.Count;
            lost += src.Count(r => !dst.Contains(r));
            extra += dst.Count(r => !src.Contains(r));
        }
        return (lost, extra, rows);
    }

    private static async Task SampleRssAsync(List<NodeProcess> all, Dictionary<int, long> peak, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            NodeProcess[] snapshot;
            lock (all) snapshot = all.ToArray();
            foreach (var p in snapshot)
            {
                try
                {
                    foreach (var line in File.ReadLines($"/proc/{p.Pid}/status"))
                        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                            peak[p.Pid] = Math.Max(peak.GetValueOrDefault(p.Pid), long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024);
                }
                catch (IOException) { } // exited
            }
            try { await Task.Delay(250, ct); } catch (OperationCanceledException) { }
        }
    }

    private static double Median(List<double> values)
    {
        var s = values.Order().ToList();
        return s.Count == 0 ? 0 : s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    /// <summary>Ten rows into one table and one counter increment per transaction, about 100 transactions a second (reshaped for the throttled phase).</summary>
    private sealed class SteadyWorkload
    {
        private readonly Task _loop;
        private volatile bool _stop;
        private long _committed;
        private volatile int _rows = 10;
        private volatile int _pauseMs = 5;

        public SteadyWorkload(string connectionString) => _loop = Task.Run(() => RunAsync(connectionString));

        public long Committed => Interlocked.Read(ref _committed);

        public void Shape(int rowsPerTransaction, int pauseMs)
        {
            _rows = rowsPerTransaction;
            _pauseMs = pauseMs;
        }

        public async Task<long> StopAsync()
        {
            _stop = true;
            await _loop;
            return Committed;
        }

        private async Task RunAsync(string connectionString)
        {
            await using var conn = new NpgsqlConnection(connectionString);
            await conn.OpenAsync();
            for (long i = 1; !_stop; i++)
            {
                var t = i % Tables + 1;
                await using (var cmd = new NpgsqlCommand($"""
                    BEGIN;
                    INSERT INTO t{t} (a, b, c, d) SELECT g, repeat(md5(g::text), 4)::char(100), now(), (g % 100000) / 100.0 FROM generate_series(1, {_rows}) g;
                    UPDATE t{t} SET a = a + 1 WHERE id = (SELECT max(id) - 15 FROM t{t});
                    UPDATE counters SET n = n + 1 WHERE name = 'tx';
                    COMMIT;
                    """, conn))
                    await cmd.ExecuteNonQueryAsync();
                Interlocked.Increment(ref _committed);
                if (_pauseMs > 0) await Task.Delay(_pauseMs);
            }
        }
    }
}
