using System.Diagnostics;
using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>Bad configuration stops the node at start with one line naming the key and the fix.</summary>
public class ConfigurationTests(E2eFixture pg) : IClassFixture<E2eFixture>
{
    private static async Task<(int Code, string Output)> RunAsync(string pipelines)
    {
        await using var node = NodeProcess.Start(NodeProcess.Config(pipelines));
        var code = await node.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (code, node.Output.Trim());
    }

    private static void AssertOneLine(string output, params string[] fragments)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, "expected one line, got:\n" + output);
        foreach (var f in fragments) Assert.Contains(f, lines[0]);
    }

    [Fact]
    public async Task Missing_connection_string_names_the_key()
    {
        var (code, output) = await RunAsync("pipelines.p { source.tables = [\"public.t\"], sink.type = blackhole }");
        Assert.Equal(2, code);
        AssertOneLine(output, "actorcdc.pipelines.p.source.connection-string", "missing", "expected");
    }

    [Fact]
    public async Task Unknown_table_names_the_key_and_the_table()
    {
        var s = await Scenario.CreateAsync(pg.Server, "CREATE TABLE present (id int PRIMARY KEY);");
        var (code, output) = await RunAsync(s.Pipeline(tables: "\"public.present\", \"public.absent\""));
        Assert.NotEqual(0, code);
        AssertOneLine(output, "source.tables", "public.absent");
    }

    [Fact]
    public async Task Wrong_password_names_the_connection_string_key()
    {
        var s = await Scenario.CreateAsync(pg.Server, "CREATE TABLE t (id int PRIMARY KEY);");
        var (code, output) = await RunAsync(s.Pipeline().Replace(PostgresServer.Password, "not-the-password"));
        Assert.NotEqual(0, code);
        AssertOneLine(output, "connection-string");
        Assert.DoesNotContain("not-the-password", output);
    }

    [Fact]
    public async Task A_sink_target_inside_the_captured_set_is_refused()
    {
        var s = await Scenario.CreateAsync(pg.Server, "CREATE TABLE t (id int PRIMARY KEY);");
        var looping = s.Pipeline().Replace($"Database={s.SinkDb}", $"Database={s.SourceDb}");
        var (code, output) = await RunAsync(looping);
        Assert.Equal(2, code);
        AssertOneLine(output, "actorcdc.pipelines.e2e.routes", "public.t", "replicated into itself");
    }

    [Fact]
    public async Task A_slot_held_by_another_walsender_is_retried_naming_the_pid_then_the_pipeline_fails()
    {
        var s = await Scenario.CreateAsync(pg.Server, "CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION held FOR TABLE t;");
        await s.ExecAsync($"SELECT pg_create_logical_replication_slot('{s.Slot}', 'pgoutput')");
        var bin = pg.Server.BinDir;
        var psi = new ProcessStartInfo(Path.Combine(bin, "pg_recvlogical"))
        {
            RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", pg.Server.Port.ToString(), "-U", "postgres", "-d", s.SourceDb, "--slot", s.Slot,
                                  "--start", "--no-loop", "-o", "proto_version=1", "-o", "publication_names=held", "-f", "/dev/null" })
            psi.ArgumentList.Add(a);
        psi.Environment["PGPASSWORD"] = PostgresServer.Password;
        using var holder = Process.Start(psi)!;
        try
        {
            var pid = await Eventually.WaitAsync(
                () => pg.Server.ScalarAsync<int?>(s.SourceDb, $"SELECT active_pid FROM pg_replication_slots WHERE slot_name = '{s.Slot}'"),
                p => p is > 0, TimeSpan.FromSeconds(30), "pg_recvlogical to hold the slot");
            await using var node = NodeProcess.Start(NodeProcess.Config(
                s.Pipeline(source: "slot-in-use { min-backoff = 100ms, max-backoff = 200ms, max-attempts = 3 }", sink: "")));
            await node.WaitForOutputAsync($"is active for PID {pid}", TimeSpan.FromSeconds(60));
            await node.WaitForOutputAsync($"Failed (replication slot {s.Slot} is still active for PID", TimeSpan.FromSeconds(60));
        }
        finally
        {
            holder.Kill();
        }
    }
}
