using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.Node.Tests;

/// <summary>
/// The real <c>actorcdc</c> executable driving the node's palettes over TCP (the palettes themselves are tested command
/// by command in <see cref="PaletteTests"/>): human and JSON output, exit 1 for a command the node refused, exit 2 for
/// a missing argument, and every palette the node serves reachable.
/// </summary>
public class CommandLinePaletteTests(CommandHostNodeFixture fixture) : IClassFixture<CommandHostNodeFixture>
{
    private Task<ActorCdcCli.Run> RunAsync(params string[] args) =>
        ActorCdcCli.RunAsync(["--host", $"127.0.0.1:{fixture.Node.CmdPort}", .. args], token: CommandHostNodeFixture.Token);

    [Fact]
    public async Task Cdc_status_reaches_the_streaming_pipeline_as_a_table_and_as_json()
    {
        await Eventually.WaitAsync(async () => (await RunAsync("cdc", "status", "-p", "cmd")).Stdout,
            s => s.Contains("cmd Streaming") || s.Contains("cmd Backfilling"), TimeSpan.FromSeconds(90), "the pipeline streaming in `cdc status`");
        var json = await RunAsync("--json", "cdc", "pipelines");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var doc = System.Text.Json.JsonDocument.Parse(json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]);
        Assert.Contains("cmd", doc.RootElement.ToString());
    }

    [Fact]
    public async Task Every_palette_the_node_serves_answers_one_of_its_commands()
    {
        foreach (var args in new[]
                 {
                     new[] { "cluster", "show" }, ["cluster-sharding", "regions"], ["cdc", "pipelines"],
                     ["state", "backend"], ["actor", "hierarchy", "-d", "2"], ["log", "peek", "-n", "5"],
                 })
        {
            var run = await RunAsync(args);
            Assert.True(run.ExitCode == 0 && run.Stdout.Length > 0 && run.Stderr == "", $"{string.Join(' ', args)}: {run}");
        }
    }

    [Fact]
    public async Task A_command_the_node_refuses_exits_1_and_a_missing_argument_exits_2()
    {
        var unknown = await RunAsync("cdc", "pause", "-p", "no-such-pipeline");
        Assert.True(unknown.ExitCode == 1, unknown.ToString());
        Assert.Contains("no-such-pipeline", unknown.Stderr);

        var missing = await RunAsync("cdc", "resnapshot", "-p", "cmd");
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Single(missing.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
