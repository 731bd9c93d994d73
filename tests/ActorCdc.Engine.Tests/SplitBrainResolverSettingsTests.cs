using ActorCdc.Engine.Configuration;
using Akka.Configuration;
using Xunit;

namespace ActorCdc.Engine.Tests;

public class SplitBrainResolverSettingsTests
{
    private static NodeSettings Parse(string node) =>
        ActorCdcSettings.Parse(ConfigurationFactory.ParseString("actorcdc.node {\n" + node + "\n}")).Node;

    [Fact]
    public void Without_a_block_the_resolver_keeps_the_majority_after_20s()
    {
        var sbr = Parse("port = 4053").SplitBrainResolver;
        Assert.Equal("keep-majority", sbr.ActiveStrategy);
        Assert.Equal(TimeSpan.FromSeconds(20), sbr.StableAfter);
        Assert.True(sbr.DownAllWhenUnstable);
    }

    [Fact]
    public void The_block_maps_onto_akkas_split_brain_resolver_keys()
    {
        var sbr = Parse("split-brain-resolver {\n active-strategy = keep-oldest\n stable-after = 2500ms\n down-all-when-unstable = off\n}").SplitBrainResolver;
        var akka = ConfigurationFactory.ParseString(sbr.ToHocon());
        Assert.Equal("keep-oldest", akka.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal(TimeSpan.FromMilliseconds(2500), akka.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal("off", akka.GetString("akka.cluster.split-brain-resolver.down-all-when-unstable"));
        Assert.Contains("SplitBrainResolverProvider", akka.GetString("akka.cluster.downing-provider-class"));
    }

    [Theory]
    [InlineData("active-strategy = static-quorum", "actorcdc.node.split-brain-resolver.active-strategy")]
    [InlineData("stable-after = soon", "actorcdc.node.split-brain-resolver.stable-after")]
    [InlineData("stable-after = 10ms", "actorcdc.node.split-brain-resolver.stable-after")]
    [InlineData("down-all-when-unstable = maybe", "actorcdc.node.split-brain-resolver.down-all-when-unstable")]
    public void A_bad_value_names_the_key(string setting, string key)
    {
        var e = Assert.Throws<SettingsException>(() => Parse("split-brain-resolver {\n" + setting + "\n}"));
        Assert.Contains(key, e.Message);
    }
}
