namespace ActorCdc.Engine.Configuration;

/// <summary><c>actorcdc.node</c>: where this node listens and which seeds it joins.</summary>
public sealed record NodeSettings(string Hostname, int Port, IReadOnlyList<string> SeedNodes, string SystemName, TimeSpan StatusInterval,
    SplitBrainResolverSettings SplitBrainResolver)
{
    /// <summary><c>log-format</c>: text or json (one object per line).</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    internal static NodeSettings Parse(ConfigReader c)
    {
        var seeds = c.StringList("seed-nodes");
        foreach (var s in seeds)
            if (!s.StartsWith("akka.tcp://", StringComparison.Ordinal))
                throw new SettingsException(c.Key("seed-nodes"), s, "addresses such as \"akka.tcp://actorcdc@10.0.0.1:4053\"");
        return new NodeSettings(
            c.String("hostname", "127.0.0.1", "a host name or IP address"),
            c.Int("port", 4053, min: 0, max: 65535),
            seeds,
            c.String("system-name", "actorcdc", "an actor system name"),
            c.Duration("status-interval", TimeSpan.Zero),
            c.Has("split-brain-resolver")
                ? SplitBrainResolverSettings.Parse(c.Section("split-brain-resolver"))
                : SplitBrainResolverSettings.Default) { LogFormat = c.Enum("log-format", LogFormat.Text) };
    }
}
