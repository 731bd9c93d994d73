namespace ActorCdc.Engine.Configuration;

/// <summary>
/// <c>actorcdc.node.split-brain-resolver</c>: how the cluster downs unreachable nodes so their singletons and entities
/// restart elsewhere (DESIGN.md §5); mapped onto <c>akka.cluster.split-brain-resolver</c>.
/// </summary>
public sealed record SplitBrainResolverSettings(string ActiveStrategy, TimeSpan StableAfter, bool DownAllWhenUnstable)
{
    /// <summary>The strategies that need no further settings; the others (static-quorum, keep-referee, lease-majority) do.</summary>
    public static readonly IReadOnlyList<string> Strategies = ["keep-majority", "keep-oldest", "down-all"];

    public static SplitBrainResolverSettings Default { get; } = new("keep-majority", TimeSpan.FromSeconds(20), true);

    internal static SplitBrainResolverSettings Parse(ConfigReader c)
    {
        var strategy = c.String("active-strategy", Default.ActiveStrategy, "a strategy");
        if (!Strategies.Contains(strategy))
            throw new SettingsException(c.Key("active-strategy"), strategy, string.Join(" | ", Strategies));
        return new SplitBrainResolverSettings(
            strategy,
            c.Duration("stable-after", Default.StableAfter, min: TimeSpan.FromMilliseconds(100)),
            c.Bool("down-all-when-unstable", Default.DownAllWhenUnstable));
    }

    /// <summary>The Akka keys these settings stand for; they take precedence over the same keys in the user's file.</summary>
    public string ToHocon() => $"""
        akka.cluster.downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
        akka.cluster.split-brain-resolver.active-strategy = {ActiveStrategy}
        akka.cluster.split-brain-resolver.stable-after = {(long)StableAfter.TotalMilliseconds}ms
        akka.cluster.split-brain-resolver.down-all-when-unstable = {(DownAllWhenUnstable ? "on" : "off")}
        """;
}
