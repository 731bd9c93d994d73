using ActorCdc.Cmd.Hosting;
using ActorCdc.Engine.Configuration;
using Akka.Configuration;

namespace ActorCdc.Node.Cmd;

/// <summary>
/// <c>actorcdc.cmd</c>: the command host the <c>actorcdc</c> client connects to. Validated at start: a host beyond
/// loopback requires a token, since whoever reaches the port can stop pipelines and down nodes.
/// </summary>
public sealed record CmdSettings(bool Enabled, string Host, int Port, string Token)
{
    private const string Key = "actorcdc.cmd";

    /// <summary>No command host (for nodes built without configuration, e.g. in tests).</summary>
    public static CmdSettings Disabled { get; } = new(false, "127.0.0.1", CommandHostSettings.DefaultPort, "");

    /// <exception cref="SettingsException">a value of the block is not acceptable.</exception>
    public static CmdSettings Parse(Config root)
    {
        var c = new ConfigReader(root.HasPath(Key) ? root.GetConfig(Key) : Config.Empty, Key);
        var enabled = c.Bool("enabled", true);
        var host = c.String("host", "127.0.0.1", "an IP address to listen on, such as 127.0.0.1");
        var port = c.Int("port", CommandHostSettings.DefaultPort, min: 0, max: 65535);
        var token = c.Has("token") ? c.Config.GetString("token") ?? "" : "";
        if (enabled && token.Length == 0 && !CommandHostSettings.IsLoopbackHost(host))
            throw new SettingsException(c.Key("token"), null,
                "a token (e.g. ${?ACTORCDC_CMD_TOKEN}) when actorcdc.cmd.host is not a loopback address");
        return new CmdSettings(enabled, host, port, token);
    }

    public CommandHostSettings ToHostSettings() => new(Host, Port, Token.Length == 0 ? null : Token);

    // The token never appears in logs.
    public override string ToString() =>
        $"CmdSettings {{ Enabled = {Enabled}, Host = {Host}, Port = {Port}, Token = {(Token.Length == 0 ? "(none)" : "(set)")} }}";
}
