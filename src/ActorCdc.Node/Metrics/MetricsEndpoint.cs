using System.Text.Json;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace ActorCdc.Node.Metrics;

/// <summary>
/// One small Kestrel server for <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> on the same port. The OpenTelemetry
/// SDK collects the engine's <c>ActorCdc</c> meter and the runtime's (GC, allocations, thread pool); the ASP.NET Core
/// Prometheus exporter renders them. (The exporter's stand-alone HttpListener owns its listener and cannot serve the
/// health checks on the same port, nor bind port 0.)
/// </summary>
public sealed class MetricsEndpoint(NodeOptions options, NodeHealth health, ILogger<MetricsEndpoint> log) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The port bound (the configured one, or the free port taken for <c>port = 0</c>).</summary>
    public int Port { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Settings.Metrics;
        var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        web.Logging.ClearProviders();
        web.Services.AddSingleton<IHostLifetime, NoSignalsLifetime>(); // the node's own host handles SIGTERM
        var host = settings.Host is "*" or "0.0.0.0" ? "0.0.0.0" : settings.Host.Contains(':') ? $"[{settings.Host}]" : settings.Host;
        web.WebHost.UseUrls($"http://{host}:{settings.Port}");
        web.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(CdcMetrics.MeterName)
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        var app = web.Build();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/healthz", () => health.IsAlive
            ? Results.Text("alive\n", "text/plain")
            : Results.Text("the actor system is terminated\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/readyz", async (CancellationToken ct) =>
        {
            var report = await health.CheckReadyAsync(ct).ConfigureAwait(false);
            return Results.Text(JsonSerializer.Serialize(report, ReadinessReport.JsonOptions) + "\n", "application/json",
                statusCode: report.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new SettingsException("actorcdc.metrics.port", settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"a port free on {settings.Host} ({e.Message}); choose another or set actorcdc.metrics.enabled = off");
        }
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Port = address is not null ? new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal)).Port : settings.Port;
        log.LogInformation("metrics on http://{Host}:{Port}/metrics, health on /healthz and /readyz", settings.Host, Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null) await _app.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync().ConfigureAwait(false);
        _app = null;
    }

    private sealed class NoSignalsLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
