using ActorCdc.Cmd.Palettes;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using ActorCdc.Node.Cmd.Palettes;
using ActorCdc.Testing;
using Akka.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace ActorCdc.Node.Tests;

/// <summary>
/// A node started in this process with <see cref="NodeHost.Build"/>, as the executable starts it, over a PostgreSQL
/// server of its own: pipeline <c>shop</c> (source database → sink database, every public table, tables discovered
/// every 300ms), pipeline <c>broken</c>, whose slot is missing with create-slot off, so it is Failed, and pipeline
/// <c>witness</c>, which streams table <c>paused_rows</c> into a blackhole: it shows when rows have come through the WAL
/// while <c>shop</c> is paused.
/// </summary>
public sealed class PaletteNodeFixture : IAsyncLifetime
{
    private IHost? _host;

    public PostgresServer Server { get; private set; } = null!;
    public string SourceDb { get; private set; } = "";
    public string SinkDb { get; private set; } = "";
    public string DataDirectory { get; } = NodeProcess.NewDataDirectory();
    public IServiceProvider Services => _host?.Services ?? throw new InvalidOperationException("node not started");

    public ICommandPaletteHandler Palette(string name) =>
        Services.GetServices<ICommandPaletteHandler>().Single(h => h.Palette.Name == name);

    public async Task InitializeAsync()
    {
        Server = PostgresServer.Start("logical_decoding_work_mem = '64kB'");
        SourceDb = await Server.CreateDatabaseAsync("src");
        SinkDb = await Server.CreateDatabaseAsync("snk");
        await Server.ExecuteAsync(SourceDb, """
            CREATE TABLE orders (id int PRIMARY KEY, v text);
            INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 20) g;
            CREATE TABLE paused_rows (id int PRIMARY KEY, v text);
            """);
        var pipelines = $$"""
            pipelines.shop {
              source {
                connection-string = "{{Server.ConnectionString(SourceDb)}}"
                tables = ["public.*"]
                slot = actorcdc_{{SourceDb}}
                table-discovery-interval = 300ms
              }
              sink { type = postgres, connection-string = "{{Server.ConnectionString(SinkDb)}}" }
            }
            pipelines.broken {
              source {
                connection-string = "{{Server.ConnectionString(SourceDb)}}"
                tables = ["public.*"]
                slot = missing_{{SourceDb}}
                publication = broken_{{SourceDb}}
                create-slot = off
              }
              sink { type = blackhole }
            }
            pipelines.witness {
              source {
                connection-string = "{{Server.ConnectionString(SourceDb)}}"
                tables = ["public.paused_rows"]
                slot = witness_{{SourceDb}}
                publication = witness_{{SourceDb}}
              }
              sink { type = blackhole }
            }
            """;
        var config = ConfigurationFactory.ParseString(NodeProcess.Config(pipelines, dataDirectory: DataDirectory)).WithFallback(NodeConfig.Defaults);
        var settings = ActorCdcSettings.Parse(config);
        var registry = new PipelineRegistry();
        foreach (var p in settings.Pipelines)
            registry.Add(p.Name == "broken" ? new PipelineRuntime(p, Preflight.CreateSinkFactory(p)) : await Preflight.CheckAsync(p, CancellationToken.None));
        _host = NodeHost.Build(new NodeOptions(settings, registry, config));
        await _host.StartAsync();
        var access = Services.GetRequiredService<PipelineAccess>();
        await Eventually.WaitAsync(async () =>
        {
            try { return (await access.StatusAsync("shop", CancellationToken.None)).State; }
            catch (Exception e) when (e is TimeoutException or TaskCanceledException) { return PipelineState.Starting; }
        }, s => s is PipelineState.Streaming, TimeSpan.FromSeconds(90), "pipeline shop to stream");
        await Eventually.WaitAsync(async () => (await access.StatusAsync("witness", CancellationToken.None)).State,
            s => s is PipelineState.Streaming, TimeSpan.FromSeconds(60), "pipeline witness to stream");
        await Eventually.WaitAsync(async () => (await access.StatusAsync("broken", CancellationToken.None)).State,
            s => s is PipelineState.Failed, TimeSpan.FromSeconds(60), "pipeline broken to fail");
    }

    /// <summary>Runs a command of a palette with the parser's conventions (defaults filled in, flags "true").</summary>
    public async Task<(CommandResult Result, RecordingOutput Output)> RunAsync(string palette, string command, bool json = false,
        IReadOnlyDictionary<string, string>? args = null, CancellationToken cancellation = default)
    {
        var handler = Palette(palette);
        var definition = handler.Palette.Commands.Single(c => c.Name == command);
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var a in definition.Arguments)
            if (a.Default is not null) arguments[a.Name] = a.Default;
        if (args is not null)
            foreach (var (k, v) in args)
            {
                Assert.Contains(definition.Arguments, a => a.Name == k);
                arguments[k] = v;
            }
        var output = new RecordingOutput();
        var result = await handler.ExecuteAsync(new CommandRequest(palette, command, arguments, json), output, cancellation);
        return (result, output);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
        if (Server is not null) await Server.DisposeAsync();
    }
}
