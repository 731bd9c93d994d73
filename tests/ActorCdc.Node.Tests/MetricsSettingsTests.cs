using ActorCdc.Engine.Configuration;
using Akka.Configuration;
using Xunit;

namespace ActorCdc.Node.Tests;

/// <summary><c>actorcdc.metrics</c> and <c>actorcdc.node.log-format</c>: defaults and refusals.</summary>
public sealed class MetricsSettingsTests
{
    private static ActorCdcSettings Parse(string hocon) =>
        ActorCdcSettings.Parse(ConfigurationFactory.ParseString(hocon).WithFallback(NodeConfig.Defaults));

    [Fact]
    public void Defaults_serve_metrics_on_localhost_9464_with_text_logs()
    {
        var s = Parse("");
        Assert.Equal(new MetricsSettings(true, "127.0.0.1", 9464), s.Metrics);
        Assert.Equal(LogFormat.Text, s.Node.LogFormat);
    }

    [Fact]
    public void Port_zero_host_and_json_are_read() =>
        Assert.Equal((new MetricsSettings(false, "0.0.0.0", 0), LogFormat.Json),
            (Parse("actorcdc.metrics { enabled = off, host = \"0.0.0.0\", port = 0 }\nactorcdc.node.log-format = json").Metrics,
             Parse("actorcdc.node.log-format = json").Node.LogFormat));

    [Theory]
    [InlineData("actorcdc.metrics.port = 70000", "actorcdc.metrics.port")]
    [InlineData("actorcdc.metrics.port = nine", "actorcdc.metrics.port")]
    [InlineData("actorcdc.metrics.host = \"not a host!\"", "actorcdc.metrics.host")]
    [InlineData("actorcdc.metrics.enabled = maybe", "actorcdc.metrics.enabled")]
    [InlineData("actorcdc.node.log-format = xml", "actorcdc.node.log-format")]
    public void Bad_values_are_refused_naming_the_key(string hocon, string key)
    {
        var e = Assert.Throws<SettingsException>(() => Parse(hocon));
        Assert.Equal(key, e.Key);
    }
}
