using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ActorCdc.Testing;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>A server whose walsenders time out after 10 s of silence, so a reader that stops sending feedback is caught.</summary>
public sealed class ShortSenderTimeoutFixture : PostgresFixture
{
    public static readonly TimeSpan WalSenderTimeout = TimeSpan.FromSeconds(10);

    protected override string[] Settings => [$"wal_sender_timeout = '{WalSenderTimeout.TotalSeconds:0}s'"];
}

/// <summary>
/// Credit-based flow control end to end (DESIGN.md §5): a source far faster than its sink fills the in-flight budget,
/// the reader stops pulling from the replication stream for longer than wal_sender_timeout without losing its
/// walsender, the node's memory stays within the budget over an idle node's, and once the sink recovers the pipeline
/// catches up row for row.
/// </summary>
public partial class FlowControlTests(ShortSenderTimeoutFixture pg, ITestOutputHelper output) : IClassFixture<ShortSenderTimeoutFixture>
{
    private const long Budget = 16L << 20;
    private const int RowsPerSecond = 20_000;
    private const int RowsPerTransaction = 2_000;
    private static readonly TimeSpan WorkloadTime = TimeSpan.FromSeconds(60);

    // Memory the node may take over its idle RSS beyond the budget's bytes. The budget counts the changes' managed size;
    // beside them live RocksDB's journal memtables (up to two 16 MiB write buffers while one is flushed), the
    // serialized copies of batches being journaled and written to the sink, and the GC's headroom at ~20 MB/s of
    // allocation. Measured beyond the budget: 56 MiB alone, 75 MiB with the rest of the suite running in parallel.
    // Unbounded buffering would show as hundreds of MiB: the backlog here is over a million rows (~600 MB of changes).
    private const long Slack = 128L << 20;

    [Fact]
    public async Task A_slow_sink_stops_the_reader_within_the_budget_without_losing_the_walsender_and_the_pipeline_catches_up()
    {
        var s = await Scenario.CreateAsync(pg.Server, """
            CREATE TABLE events (id bigint PRIMARY KEY, a int, b text, c timestamptz, d numeric(12,2));
            """);
        var config = NodeProcess.Config(s.Pipeline(
            tables: "\"public.events\"",
            extra: """
                   profile = steady
                   snapshot { mode = never }
                   flow-control { pipeline-budget = 16MiB, table-budget = 16MiB }
                   """));
        await using var node = NodeProcess.Start(config);
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));

        // The node creates the sink table with the first change; then a row trigger throttles the sink to ~1k rows/s.
        await s.ExecAsync("INSERT INTO events VALUES (0, 0, 'seed', now(), 0)");
        await Eventually.WaitAsync(async () => await SinkCountAsync(s) == 1, TimeSpan.FromSeconds(60), "the seed row in the sink");
        await pg.Server.ExecuteAsync(s.SinkDb, """
            CREATE FUNCTION throttle() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.001); RETURN NEW; END $$;
            CREATE TRIGGER throttle BEFORE INSERT OR UPDATE ON public.events FOR EACH ROW EXECUTE FUNCTION throttle();
            """);

        // Baseline: this node idle (started, streaming, one row applied, nothing in flight).
        var baseline = ReadProcStatus(node.Pid, "VmRSS");
        output.WriteLine($"idle node RSS (baseline): {baseline / 1048576.0:0.0} MiB; budget {Budget / 1048576} MiB; slack {Slack / 1048576} MiB");

        long peakRss = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                Interlocked.Exchange(ref peakRss, Math.Max(Interlocked.Read(ref peakRss), ReadProcStatus(node.Pid, "VmRSS")));
                try { await Task.Delay(250, sampling.Token); } catch (OperationCanceledException) { }
            }
        });

        var rows = await WorkloadAsync(s, WorkloadTime);
        var stalled = LastFlowStatus(node);
        var stallRss = Interlocked.Exchange(ref peakRss, 0);
        output.WriteLine($"source wrote {rows:N0} rows in {WorkloadTime.TotalSeconds:0}s; sink has {await SinkCountAsync(s):N0}; " +
                         $"node RSS peak while throttled {stallRss / 1048576.0:0.0} MiB; at the end of the workload: {stalled}");

        // The sink recovers; the pipeline must catch up.
        await pg.Server.ExecuteAsync(s.SinkDb, "DROP TRIGGER throttle ON public.events");
        var caughtUp = Stopwatch.StartNew();
        await Eventually.WaitAsync(async () => await SinkCountAsync(s) == rows + 1, TimeSpan.FromSeconds(150), "the sink to catch up");
        output.WriteLine($"caught up {rows:N0} rows {caughtUp.Elapsed.TotalSeconds:0.0}s after the sink recovered");
        await AssertSinkEqualsSourceInRangesAsync(s, rows);
        await sampling.CancelAsync();
        await sampler;

        var flow = LastFlowStatus(node);
        var hwm = ReadProcStatus(node.Pid, "VmHWM");
        output.WriteLine($"after catch-up: {flow}; node RSS peak while catching up {peakRss / 1048576.0:0.0} MiB, VmHWM {hwm / 1048576.0:0.0} MiB");
        var senderLog = File.ReadAllText(pg.Server.LogFile);

        // The budget bound: it was reached (the reader really stopped) and never passed.
        Assert.True(stalled.Backpressured > ShortSenderTimeoutFixture.WalSenderTimeout.TotalSeconds,
            $"the reader should have waited for credit longer than wal_sender_timeout; {stalled}");
        Assert.True(flow.Peak >= Budget / 2, $"the budget should have bound; {flow}");
        Assert.True(flow.Peak <= Budget, $"in-flight bytes passed the budget; {flow}");
        // The walsender survived the stall: no reconnect, no timeout in the server's log.
        Assert.Equal(0, flow.Reconnects);
        Assert.DoesNotContain("terminating walsender process due to replication timeout", senderLog);
        // Memory: an idle node plus the budget plus the stated slack.
        Assert.True(hwm <= baseline + Budget + Slack,
            $"node VmHWM {hwm / 1048576.0:0.0} MiB exceeds idle {baseline / 1048576.0:0.0} MiB + budget {Budget >> 20} MiB + slack {Slack >> 20} MiB");
    }

    /// <summary>Multi-row INSERT transactions paced to <see cref="RowsPerSecond"/>; returns the rows written.</summary>
    private static async Task<long> WorkloadAsync(Scenario s, TimeSpan duration)
    {
        await using var conn = new NpgsqlConnection(s.Server.ConnectionString(s.SourceDb));
        await conn.OpenAsync();
        var clock = Stopwatch.StartNew();
        long written = 0;
        while (clock.Elapsed < duration)
        {
            var due = TimeSpan.FromSeconds((double)written / RowsPerSecond);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            await using var cmd = new NpgsqlCommand($"""
                INSERT INTO events
                SELECT {written} + g, g, repeat(md5(g::text), 3) || lpad(g::text, 4, '0'), now(), (g % 10000) / 100.0
                FROM generate_series(1, {RowsPerTransaction}) g
                """, conn);
            await cmd.ExecuteNonQueryAsync();
            written += RowsPerTransaction;
        }
        return written;
    }

    private async Task<long> SinkCountAsync(Scenario s)
    {
        try { return await pg.Server.ScalarAsync<long>(s.SinkDb, "SELECT count(*) FROM public.events"); }
        catch (PostgresException e) when (e.SqlState == "42P01") { return 0; }
    }

    /// <summary>Row-by-row comparison in key ranges, so a million rows never sit in memory twice.</summary>
    private async Task AssertSinkEqualsSourceInRangesAsync(Scenario s, long rows)
    {
        const long range = 100_000;
        for (long from = 0; from <= rows; from += range)
        {
            var query = $"SELECT * FROM public.events WHERE id >= {from} AND id < {from + range} ORDER BY id";
            var src = await pg.Server.RowsAsTextAsync(s.SourceDb, query);
            var dst = await pg.Server.RowsAsTextAsync(s.SinkDb, query);
            if (src.SequenceEqual(dst)) continue;
            var first = Enumerable.Range(0, Math.Min(src.Count, dst.Count)).FirstOrDefault(i => src[i] != dst[i], -1);
            Assert.Fail($"sink differs from source in ids [{from}, {from + range}): {src.Count} source rows, {dst.Count} sink rows; " +
                        (first >= 0 ? $"first difference: source {src[first]} sink {dst[first]}" : "one is a prefix of the other"));
        }
    }

    private static long ReadProcStatus(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException($"/proc/{pid}/status has no {field}");
    }

    private sealed record FlowStatus(long InFlight, long Peak, long Budget, double Backpressured, long Reconnects);

    /// <summary>The newest flow-control line the node's status printer wrote.</summary>
    private static FlowStatus LastFlowStatus(NodeProcess node)
    {
        var matches = FlowLine().Matches(node.Output);
        Assert.True(matches.Count > 0, "the node printed no flow-control status line");
        var m = matches[^1];
        static long Bytes(Group g) => long.Parse(g.Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        return new FlowStatus(Bytes(m.Groups[1]), Bytes(m.Groups[2]), Bytes(m.Groups[3]),
            double.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"flow control: in flight ([\d,]+) B, peak ([\d,]+) B of budget ([\d,]+) B, backpressured ([\d.]+)s, reconnects (\d+)")]
    private static partial Regex FlowLine();
}
