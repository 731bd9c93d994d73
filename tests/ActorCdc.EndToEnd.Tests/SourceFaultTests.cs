using System.Diagnostics;
using System.Text.RegularExpressions;
using ActorCdc.Testing;
using Npgsql;
using Xunit;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>
/// A source server of its own (these tests restart it and drop slots and publications) and a sink server that stays
/// up while the source restarts, as in production: a fast shutdown waits until the reader has confirmed everything it
/// was sent, which needs the sink.
/// </summary>
public sealed class SourceFaultFixture : PostgresFixture, IAsyncLifetime
{
    private PostgresServer? _sinkServer;

    public PostgresServer SinkServer => _sinkServer ?? throw new InvalidOperationException("fixture not initialized");

    protected override string[] Settings => ["wal_sender_timeout = '20s'"];

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        _sinkServer = PostgresServer.Start();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_sinkServer is not null) await _sinkServer.DisposeAsync();
        await DisposeAsync();
    }
}

/// <summary>
/// Source faults (DESIGN.md §5): a restarted server is transient (reconnect, resume, no double effect); a dropped slot
/// or publication is fatal (the pipeline stops in Failed with a sentence saying what to do, and nothing is recreated
/// behind the operator's back); a slot still held by an old walsender is retried, naming its PID, until it is free.
/// </summary>
public partial class SourceFaultTests(SourceFaultFixture pg) : IClassFixture<SourceFaultFixture>
{
    private const string FastRetry = "retry { min-backoff = 200ms, max-backoff = 2s }";

    [Fact]
    public async Task PostgreSQL_restarted_mid_stream_the_pipeline_reconnects_and_resumes_with_no_double_effect()
    {
        var s = await Scenario.CreateAsync(pg.Server, """
            CREATE TABLE orders (id bigint PRIMARY KEY, customer int NOT NULL, status text NOT NULL, total numeric(12,2));
            CREATE TABLE counters (name text PRIMARY KEY, n bigint NOT NULL);
            """);
        var sink = pg.SinkServer;
        var sinkDb = await sink.CreateDatabaseAsync("snk");
        var pipeline = s.Pipeline(source: FastRetry).Replace(pg.Server.ConnectionString(s.SinkDb), sink.ConnectionString(sinkDb));
        await using var node = NodeProcess.Start(NodeProcess.Config(pipeline));
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await s.ExecAsync("INSERT INTO counters VALUES ('a', 0);");

        // The workload runs until told to stop, however fast the machine is: the restart always lands in the middle of it.
        var progress = new WorkloadProgress();
        using var stop = new CancellationTokenSource();
        var workload = Task.Run(() => WorkloadAsync(s, progress, stop.Token));
        // Restart while the workload runs and the sink holds only part of it: the stream breaks mid-transaction.
        await Eventually.WaitAsync(async () => await CountAsync(sink, sinkDb, "orders") > 0 || workload.IsCompleted,
            TimeSpan.FromSeconds(120), "some orders in the sink before the restart");
        Assert.False(workload.IsCompleted, $"the workload stopped before the restart: {(workload.IsFaulted ? workload.Exception : "")}");
        var sinkBefore = await CountAsync(sink, sinkDb, "orders");
        pg.Server.Stop(); // pg_ctl stop -m fast, then start: a restart
        pg.Server.StartServer();
        // Go on past the restart for a while, so that changes after it must stream too.
        await Eventually.WaitAsync(() => Task.FromResult(progress.Retried >= 1 && progress.CommittedAfterRetry >= 300 || workload.IsCompleted),
            TimeSpan.FromSeconds(120), "300 transactions committed after the restart");
        stop.Cancel();
        await workload;
        Assert.True(progress.Retried >= 1, "the workload never saw the restart");
        var transactions = await s.Server.ScalarAsync<long>(s.SourceDb, "SELECT n FROM counters WHERE name = 'a'");

        await AssertSinkEqualsSourceAsync(s, sink, sinkDb, "orders", "id");
        await AssertSinkEqualsSourceAsync(s, sink, sinkDb, "counters", "name");
        Assert.True(sinkBefore < await CountAsync(sink, sinkDb, "orders"), "the restart should have landed before the sink had everything");
        // Each committed transaction incremented the counter once; the sink shows it exactly once.
        Assert.Equal(transactions, await sink.ScalarAsync<long>(sinkDb, "SELECT n FROM counters WHERE name = 'a'"));
        await Eventually.WaitAsync(() => Task.FromResult(LastReconnects(node) >= 1), TimeSpan.FromSeconds(10), "the status to count the reconnect");
        Assert.DoesNotContain("FAILED", node.Output);
    }

    [Fact]
    public async Task A_slot_dropped_while_running_fails_the_pipeline_saying_what_is_lost_and_is_not_recreated()
    {
        var s = await Scenario.CreateAsync(pg.Server, "CREATE TABLE t (id int PRIMARY KEY, v text);");
        await using var node = NodeProcess.Start(NodeProcess.Config(s.Pipeline(source: FastRetry + "\ntable-discovery-interval = 200ms")));
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await s.ExecAsync("INSERT INTO t VALUES (1, 'before');");
        await s.AssertSinkEqualsSourceAsync("t", "id");

        // What an operator (or a failover script) does: end the walsender, then drop the slot once it is free.
        await Eventually.WaitAsync(async () =>
        {
            await s.ExecAsync($"SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '{s.Slot}' AND active_pid IS NOT NULL");
            try
            {
                await s.ExecAsync($"SELECT pg_drop_replication_slot('{s.Slot}')");
                return true;
            }
            catch (PostgresException e) when (e.SqlState == "55006") { return false; } // the reader got it back meanwhile
        }, TimeSpan.FromSeconds(30), "the slot to be dropped");
        await s.ExecAsync("INSERT INTO t VALUES (2, 'after');");

        await node.WaitForOutputAsync($"Failed (replication slot {s.Slot} no longer exists", TimeSpan.FromSeconds(60));
        var reason = FailedReason(node);
        Assert.Matches(@"changes after LSN [0-9A-F]+/[0-9A-F]+ are lost to this pipeline", reason);
        Assert.Contains("source.create-slot = on", reason);
        Assert.Contains("--resnapshot e2e/", reason);
        // Fatal is final: more status rounds (and table discovery) pass, the slot stays dropped, nothing streams again.
        await WaitForStatusLinesAsync(node, "e2e Failed", 4);
        Assert.Equal(0L, await pg.Server.ScalarAsync<long>(s.SourceDb, $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{s.Slot}'"));
        var output = node.Output;
        Assert.DoesNotContain("streaming from slot", output[output.IndexOf("e2e Failed", StringComparison.Ordinal)..]);
    }

    [Fact]
    public async Task A_publication_dropped_while_running_fails_the_pipeline_saying_what_to_do_and_is_not_recreated()
    {
        var s = await Scenario.CreateAsync(pg.Server, "CREATE TABLE t (id int PRIMARY KEY, v text);");
        await using var node = NodeProcess.Start(NodeProcess.Config(s.Pipeline(source: FastRetry + "\ntable-discovery-interval = 200ms")));
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await s.ExecAsync("INSERT INTO t VALUES (1, 'before');");
        await s.AssertSinkEqualsSourceAsync("t", "id");

        await s.ExecAsync("DROP PUBLICATION actorcdc_e2e; INSERT INTO t VALUES (2, 'after');");

        await node.WaitForOutputAsync("Failed (publication actorcdc_e2e no longer exists", TimeSpan.FromSeconds(60));
        var reason = FailedReason(node);
        Assert.Contains($"pg_drop_replication_slot('{s.Slot}')", reason);
        Assert.Contains("resnapshot", reason);
        Assert.Matches(@"changes after LSN [0-9A-F]+/[0-9A-F]+ are lost to this pipeline", reason);
        // Table discovery runs every 200ms: it must not have recreated the publication.
        await WaitForStatusLinesAsync(node, "e2e Failed", 4);
        Assert.Equal(0L, await pg.Server.ScalarAsync<long>(s.SourceDb, "SELECT count(*) FROM pg_publication WHERE pubname = 'actorcdc_e2e'"));
    }

    [Fact]
    public async Task A_slot_still_held_by_an_old_walsender_is_retried_naming_its_pid_and_streaming_resumes_once_it_is_free()
    {
        var s = await Scenario.CreateAsync(pg.Server, "CREATE TABLE t (id int PRIMARY KEY, v text); CREATE PUBLICATION actorcdc_e2e FOR TABLE t;");
        await s.ExecAsync($"SELECT pg_create_logical_replication_slot('{s.Slot}', 'pgoutput')");
        // The old walsender of a failed-over consumer: another process streaming from the slot.
        var psi = new ProcessStartInfo(Path.Combine(pg.Server.BinDir, "pg_recvlogical"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", pg.Server.Port.ToString(), "-U", "postgres", "-d", s.SourceDb, "--slot", s.Slot,
                                  "--start", "--no-loop", "-o", "proto_version=1", "-o", "publication_names=actorcdc_e2e", "-f", "/dev/null" })
            psi.ArgumentList.Add(a);
        psi.Environment["PGPASSWORD"] = PostgresServer.Password;
        using var holder = Process.Start(psi)!;
        try
        {
            var pid = await Eventually.WaitAsync(
                () => pg.Server.ScalarAsync<int?>(s.SourceDb, $"SELECT active_pid FROM pg_replication_slots WHERE slot_name = '{s.Slot}'"),
                p => p is > 0, TimeSpan.FromSeconds(30), "pg_recvlogical to hold the slot");
            await using var node = NodeProcess.Start(NodeProcess.Config(s.Pipeline(
                source: "slot-in-use { min-backoff = 100ms, max-backoff = 300ms, max-attempts = 0 }")));
            await node.WaitForOutputAsync($"is active for PID {pid}", TimeSpan.FromSeconds(60));
            await s.ExecAsync("INSERT INTO t SELECT g, 'while held ' || g FROM generate_series(1, 100) g;");
            // Several retries pass while the slot is held; then the old walsender goes away.
            await Eventually.WaitAsync(() => Task.FromResult(Regex.Matches(node.Output, $"is active for PID {pid}").Count >= 3),
                TimeSpan.FromSeconds(30), "several slot-in-use retries");
            Assert.DoesNotContain("streaming from slot", node.Output);
            holder.Kill();
            await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
            await s.ExecAsync("INSERT INTO t SELECT g, 'after ' || g FROM generate_series(101, 200) g;");
            await s.AssertSinkEqualsSourceAsync("t", "id");
            Assert.DoesNotContain("FAILED", node.Output);
        }
        finally
        {
            if (!holder.HasExited) holder.Kill();
        }
    }

    private sealed class WorkloadProgress
    {
        public volatile int Retried;
        public volatile int CommittedAfterRetry;
    }

    /// <summary>
    /// Transactions 1..n, each inserting orders, updating and deleting one and incrementing counter 'a'. A transaction
    /// broken by the restart is retried only if the counter shows it did not commit, so the source has exactly n.
    /// </summary>
    private static async Task WorkloadAsync(Scenario s, WorkloadProgress progress, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var conn = new NpgsqlConnection(s.Server.ConnectionString(s.SourceDb));
                await conn.OpenAsync();
                long i;
                await using (var check = new NpgsqlCommand("SELECT n FROM counters WHERE name = 'a'", conn))
                    i = (long)(await check.ExecuteScalarAsync())! + 1;
                for (; !stop.IsCancellationRequested; i++)
                {
                    await using var cmd = new NpgsqlCommand($"""
                        BEGIN;
                        INSERT INTO orders SELECT {i} * 10 + g, g, 'new', {i} + g / 100.0 FROM generate_series(0, 9) g;
                        UPDATE orders SET status = 'paid', total = total + 1 WHERE id = {i * 10 - 15};
                        DELETE FROM orders WHERE id = {i * 10 - 27};
                        UPDATE counters SET n = n + 1 WHERE name = 'a';
                        COMMIT;
                        """, conn);
                    await cmd.ExecuteNonQueryAsync();
                    if (progress.Retried > 0) progress.CommittedAfterRetry++;
                }
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                progress.Retried++;
                if (progress.Retried > 200) throw;
                await Task.Delay(100); // the server is restarting; the counter tells where to go on
            }
        }
    }

    private static async Task<long> CountAsync(PostgresServer server, string db, string table)
    {
        try { return await server.ScalarAsync<long>(db, $"SELECT count(*) FROM {table}"); }
        catch (PostgresException e) when (e.SqlState == "42P01") { return 0; }
    }

    /// <summary>Waits until the sink table (on the sink server) equals the source table row by row, then asserts it.</summary>
    private static async Task AssertSinkEqualsSourceAsync(Scenario s, PostgresServer sink, string sinkDb, string table, string orderBy)
    {
        var query = $"SELECT * FROM {table} ORDER BY {orderBy}";
        List<string> src = [], dst = [];
        try
        {
            await Eventually.WaitAsync(async () =>
            {
                src = await s.Server.RowsAsTextAsync(s.SourceDb, query);
                dst = await CountAsync(sink, sinkDb, table) > 0 ? await sink.RowsAsTextAsync(sinkDb, query) : [];
                return src.SequenceEqual(dst);
            }, TimeSpan.FromMinutes(2), $"sink {table} to equal source");
        }
        catch (TimeoutException)
        {
            var first = Enumerable.Range(0, Math.Min(src.Count, dst.Count)).FirstOrDefault(i => src[i] != dst[i], -1);
            Assert.Fail($"sink {table} differs from source: {src.Count} source rows, {dst.Count} sink rows; first difference at row {first}");
        }
        Assert.Equal(src, dst);
    }

    private static string FailedReason(NodeProcess node)
    {
        var m = FailedLine().Match(node.Output);
        Assert.True(m.Success, "no Failed status line");
        return m.Groups[1].Value;
    }

    private static Task WaitForStatusLinesAsync(NodeProcess node, string text, int count) =>
        Eventually.WaitAsync(() => Task.FromResult(Regex.Matches(node.Output, Regex.Escape(text)).Count >= count),
            TimeSpan.FromSeconds(30), $"{count} status lines with '{text}'");

    private static long LastReconnects(NodeProcess node)
    {
        var matches = ReconnectsPart().Matches(node.Output);
        return matches.Count == 0 ? -1 : long.Parse(matches[^1].Groups[1].Value);
    }

    [GeneratedRegex(@"e2e Failed \((.*)\)  lag")]
    private static partial Regex FailedLine();

    [GeneratedRegex(@"reconnects (\d+)")]
    private static partial Regex ReconnectsPart();
}
