using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorCdc.Node.Logging;

/// <summary>
/// Logs the settings the node runs with, once at start, so an operator reading the log knows what it was started
/// with; the settings records mask their secrets and the console masks the line again.
/// </summary>
public sealed class SettingsLog(NodeOptions options, ILogger<SettingsLog> log) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var s = options.Settings;
        log.LogInformation("node {Hostname}:{Port} seeds [{Seeds}], state {State}, metrics {Metrics}",
            s.Node.Hostname, s.Node.Port, string.Join(", ", s.Node.SeedNodes), s.State, s.Metrics);
        foreach (var p in s.Pipelines)
            log.LogInformation("pipeline {Pipeline}: source {Source}; sink {SinkType} {SinkConnection}",
                p.Name, p.Source, p.Sink.Type, p.Sink.ConnectionString ?? ""); // masked on its way out (MaskingTextWriter)
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
