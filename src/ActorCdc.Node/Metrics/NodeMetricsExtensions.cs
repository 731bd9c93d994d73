using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Metrics;
using ActorCdc.Persistence.RocksDb.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorCdc.Node.Metrics;

/// <summary>Registers the node's metrics and health endpoint (<c>actorcdc.metrics</c>).</summary>
public static class NodeMetricsExtensions
{
    /// <summary>
    /// Serves <c>/metrics</c> (Prometheus text), <c>/healthz</c> and <c>/readyz</c> on <c>actorcdc.metrics.host:port</c>
    /// when enabled; the RocksDB state directory is reported as <c>actorcdc.journal.size</c>.
    /// </summary>
    public static IServiceCollection AddNodeMetrics(this IServiceCollection services, ActorCdcSettings settings)
    {
        if (!settings.Metrics.Enabled) return services;
        if (settings.State.Backend == StateBackend.RocksDb) CdcMetrics.WatchStateDirectory(settings.State.RocksDbPath);
        services.AddSingleton<NodeHealth>();
        services.AddSingleton<MetricsEndpoint>();
        services.AddHostedService(sp => sp.GetRequiredService<MetricsEndpoint>());
        return services;
    }
}
