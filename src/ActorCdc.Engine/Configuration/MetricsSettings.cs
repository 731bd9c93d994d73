using System.Net;

namespace ActorCdc.Engine.Configuration;

/// <summary>
/// <c>actorcdc.metrics</c>: where the node serves Prometheus metrics (<c>/metrics</c>) and its health checks
/// (<c>/healthz</c>, <c>/readyz</c>). Port 0 takes a free port (tests).
/// </summary>
public sealed record MetricsSettings(bool Enabled, string Host, int Port)
{
    public static MetricsSettings Default { get; } = new(true, "127.0.0.1", 9464);

    internal static MetricsSettings Parse(ConfigReader c)
    {
        var host = c.String("host", Default.Host, "an IP address or host name to listen on");
        if (!IPAddress.TryParse(host, out _) && host != "localhost" && host != "*" && Uri.CheckHostName(host) != UriHostNameType.Dns)
            throw new SettingsException(c.Key("host"), host, "an IP address (127.0.0.1, 0.0.0.0, ::) or a host name to listen on");
        return new MetricsSettings(c.Bool("enabled", Default.Enabled), host, c.Int("port", Default.Port, min: 0, max: 65535));
    }
}
