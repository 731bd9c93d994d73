using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.Node.Tests;

/// <summary>
/// The real <c>actorcdc</c> executable against a real node: one line on stderr and exit 2 for whatever is not a
/// command the node carried out (unreachable node, refused token, unknown palette).
/// </summary>
public class CommandLineClientTests(CommandHostNodeFixture fixture) : IClassFixture<CommandHostNodeFixture>
{
    private string Host => $"127.0.0.1:{fixture.Node.CmdPort}";

    private static void AssertOneErrorLine(ActorCdcCli.Run run, params string[] fragments)
    {
        Assert.True(run.ExitCode == 2, run.ToString());
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, "expected one line on stderr; " + run);
        Assert.StartsWith("actorcdc: ", lines[0]);
        foreach (var f in fragments) Assert.Contains(f, lines[0]);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public async Task An_unreachable_node_exits_2_with_one_line_naming_the_address()
    {
        var port = FreePort.Next();
        var run = await ActorCdcCli.RunAsync(["--host", $"127.0.0.1:{port}", "cluster", "show"]);
        AssertOneErrorLine(run, $"cannot reach node at 127.0.0.1:{port}", "connection refused", $"actorcdc.cmd.port = {port}");
    }

    [Fact]
    public async Task An_unknown_palette_exits_2_and_lists_the_nodes_palettes()
    {
        // The token comes from ACTORCDC_TOKEN: reaching the palette check proves the node accepted it.
        var run = await ActorCdcCli.RunAsync(["--host", Host, "nope", "status"], token: CommandHostNodeFixture.Token);
        AssertOneErrorLine(run, "unknown palette 'nope'", "palettes: ");
    }

    [Fact]
    public async Task A_wrong_token_exits_2_with_the_nodes_reason()
    {
        var wrong = await ActorCdcCli.RunAsync(["--host", Host, "--token", "not-the-token", "cluster", "show"]);
        AssertOneErrorLine(wrong, $"node at {Host} refused the connection", "not this node's actorcdc.cmd.token");
        Assert.DoesNotContain("not-the-token", wrong.Stderr);
        var none = await ActorCdcCli.RunAsync(["--host", Host, "cluster", "show"]);
        AssertOneErrorLine(none, "requires a token");
    }

    [Fact]
    public async Task Help_prints_the_usage_and_the_palettes_the_node_serves()
    {
        var run = await ActorCdcCli.RunAsync(["--host", Host, "--token", CommandHostNodeFixture.Token, "--help"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("usage: actorcdc", run.Stdout);
        Assert.Contains($"palettes of actorcdc@127.0.0.1:", run.Stdout);
        Assert.Equal("", run.Stderr);
    }

    [Fact]
    public async Task Help_without_a_node_still_prints_the_usage()
    {
        var run = await ActorCdcCli.RunAsync(["--host", $"127.0.0.1:{FreePort.Next()}", "--help"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("usage: actorcdc", run.Stdout);
        Assert.Contains("palettes: unknown (cannot reach node", run.Stdout);
    }

    [Fact]
    public async Task Interactive_mode_runs_lines_on_one_connection_until_exit()
    {
        var run = await ActorCdcCli.RunAsync(["--host", Host, "--token", CommandHostNodeFixture.Token],
            stdin: "help\nnope status\n\"unclosed\nexit\nnever read\n");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("connected to actorcdc@127.0.0.1:", run.Stdout);
        Assert.Contains("palettes (then '<palette> help')", run.Stdout);
        var errors = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(errors.Length == 2, run.ToString());
        Assert.Contains("unknown palette 'nope'", errors[0]);
        Assert.Contains("unclosed", errors[1]);
    }

    [Fact]
    public async Task A_bad_option_exits_2_without_connecting() =>
        AssertOneErrorLine(await ActorCdcCli.RunAsync(["--host", "127.0.0.1:notaport", "cluster", "show"]), "--host", "port");
}
