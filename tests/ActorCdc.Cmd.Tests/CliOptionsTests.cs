using ActorCdc.Cli;
using ActorCdc.Cmd.Palettes;
using Xunit;

namespace ActorCdc.Cmd.Tests;

public class CliOptionsTests
{
    [Fact]
    public void Defaults_are_loopback_9110_and_the_environment_token()
    {
        var o = CliOptions.Parse(["cdc", "status"], "from-env");
        Assert.Equal(("127.0.0.1", 9110, "from-env", false, false), (o.Host, o.Port, o.Token, o.Json, o.Interactive));
        Assert.Equal(["cdc", "status"], o.Words);
    }

    [Fact]
    public void Options_before_the_palette_and_json_anywhere()
    {
        var o = CliOptions.Parse(["--host", "10.0.0.5:9200", "--token=t", "cdc", "status", "-p", "shop", "--json"], null);
        Assert.Equal(("10.0.0.5", 9200, "t", true), (o.Host, o.Port, o.Token, o.Json));
        Assert.Equal(["cdc", "status", "-p", "shop"], o.Words);
    }

    [Fact]
    public void No_command_or_dash_i_is_interactive()
    {
        Assert.True(CliOptions.Parse([], null).Interactive);
        Assert.True(CliOptions.Parse(["-i"], null).Interactive);
        Assert.False(CliOptions.Parse(["--help"], null).Interactive);
    }

    [Theory]
    [InlineData("node1", "node1", 9110)]
    [InlineData("node1:9300", "node1", 9300)]
    [InlineData("[::1]:9300", "::1", 9300)]
    [InlineData("::1", "::1", 9110)]
    public void Host_forms(string text, string host, int port) => Assert.Equal((host, port), CliOptions.ParseHost(text));

    [Theory]
    [InlineData("--host", "h:notaport")]
    [InlineData("--host", "h:70000")]
    [InlineData("--bogus", "x")]
    public void Bad_options_are_usage_errors(string option, string value) =>
        Assert.Throws<CommandUsageException>(() => CliOptions.Parse([option, value, "cdc", "status"], null));

    [Fact]
    public void Typed_lines_split_like_a_shell()
    {
        Assert.Equal(["cdc", "profile", "set", "my pipe", "it's"], CommandLineWords.Split("  cdc profile set \"my pipe\" 'it'\"'\"'s' "));
        Assert.Equal(["a", "", "b"], CommandLineWords.Split("a \"\" b"));
        Assert.Throws<CommandUsageException>(() => CommandLineWords.Split("cdc \"open"));
    }
}
