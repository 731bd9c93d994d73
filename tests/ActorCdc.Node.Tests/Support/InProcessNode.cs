using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Node.Metrics;
using ActorCdc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorCdc.Node.Tests.Support;

/// <summary>A node built by <see cref="NodeHost.Build"/> in this process from generated configuration, with an HTTP client for its metrics port.</summary>
public sealed class InProcessNode : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _file;

    private InProcessNode(IHost host, string file, int port)
    {
        _host = host;
        _file = file;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public int Port { get; }
    public HttpClient Http { get; }

    /// <summary>Starts a node with <paramref name="hocon"/> (a whole config file); pipelines skip the preflight, as after a transient failure.</summary>
    public static async Task<InProcessNode> StartAsync(string hocon)
    {
        var file = Path.Combine(Path.GetTempPath(), $"actorcdc-node-test-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(file, hocon);
        var config = NodeConfig.Load(file);
        var settings = ActorCdcSettings.Parse(config);
        var registry = new PipelineRegistry();
        foreach (var p in settings.Pipelines) registry.Add(new PipelineRuntime(p, Preflight.CreateSinkFactory(p)));
        var host = NodeHost.Build(new NodeOptions(settings, registry, config));
        await host.StartAsync();
        return new InProcessNode(host, file, host.Services.GetRequiredService<MetricsEndpoint>().Port);
    }

    public async Task<PrometheusText> ScrapeAsync()
    {
        using var response = await Http.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    public async Task<(int Status, string Body)> GetAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try { await _host.StopAsync(TimeSpan.FromSeconds(30)); }
        finally
        {
            _host.Dispose();
            File.Delete(_file);
        }
    }
}
