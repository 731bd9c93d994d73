using System.Net;
using System.Net.Sockets;
using ActorCdc.Engine.Configuration;
using ActorCdc.Node.Cmd;
using ActorCdc.Testing;
using Akka.Configuration;
using Xunit;

namespace ActorCdc.Node.Tests;

/// <summary><c>actorcdc.cmd</c> is validated at start: a bad block stops the node with one line naming the key.</summary>
public class CmdSettingsTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private static CmdSettings Parse(string hocon) => CmdSettings.Parse(ConfigurationFactory.ParseString(hocon).WithFallback(NodeConfig.Defaults));

    [Fact]
    public void Defaults_listen_on_loopback_9110_without_a_token()
    {
        var s = Parse("");
        Assert.Equal(new CmdSettings(true, "127.0.0.1", 9110, ""), s);
        Assert.Null(s.ToHostSettings().Token);
    }

    [Fact]
    public void A_host_beyond_loopback_without_a_token_names_the_token_key()
    {
        var e = Assert.Throws<SettingsException>(() => Parse("actorcdc.cmd.host = \"0.0.0.0\""));
        Assert.Equal("actorcdc.cmd.token", e.Key);
        Assert.Contains("when actorcdc.cmd.host is not a loopback address", e.Message);
        Assert.Equal("s", Parse("actorcdc.cmd { host = \"0.0.0.0\", token = s }").Token);
        Assert.False(Parse("actorcdc.cmd { host = \"0.0.0.0\", enabled = off }").Enabled);
    }

    [Theory]
    [InlineData("actorcdc.cmd.port = 70000", "actorcdc.cmd.port")]
    [InlineData("actorcdc.cmd.port = many", "actorcdc.cmd.port")]
    [InlineData("actorcdc.cmd.enabled = maybe", "actorcdc.cmd.enabled")]
    public void Bad_values_name_their_key(string hocon, string key) =>
        Assert.Equal(key, Assert.Throws<SettingsException>(() => Parse(hocon)).Key);

    [Fact]
    public void The_token_never_shows_in_the_settings_text() =>
        Assert.DoesNotContain("s3cret", Parse("actorcdc.cmd.token = s3cret").ToString());

    [Fact]
    public async Task A_node_with_an_open_cmd_host_and_no_token_exits_2_at_start()
    {
        await using var node = NodeProcess.Start(NodeProcess.Config("cmd { host = \"0.0.0.0\" }"));
        var code = await node.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(code == 2, node.Output);
        var lines = node.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, node.Output);
        Assert.Contains("actorcdc.cmd.token", lines[0]);
    }

    [Fact]
    public async Task A_node_whose_cmd_port_is_taken_exits_2_naming_the_port()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var db = await pg.Server.CreateDatabaseAsync("cmdport");
        await pg.Server.ExecuteAsync(db, "CREATE TABLE t (id int PRIMARY KEY)");
        var pipeline = $$"""
            pipelines.cmd {
              source { connection-string = "{{pg.Server.ConnectionString(db)}}", tables = ["public.t"], slot = actorcdc_{{db}} }
              sink { type = blackhole }
            }
            """;
        await using var node = NodeProcess.Start(NodeProcess.Config(pipeline, cmdPort: port));
        Assert.Equal(port, node.CmdPort);
        var code = await node.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.True(code == 2, node.Output);
        Assert.Contains($"actorcdc.cmd.port: '{port}' is invalid", node.Output);
    }
}
