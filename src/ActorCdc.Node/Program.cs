using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Node;
using Microsoft.Extensions.Hosting;

// actorcdc-node: runs one ActorCdc cluster node. Exit codes: 0 stopped cleanly, 2 bad usage or configuration,
// 3 a pipeline cannot start (source or sink refused it; the line printed says what to fix).
string? configFile = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--config" when i + 1 < args.Length:
            configFile = args[++i];
            break;
        case "-h" or "--help":
            Console.WriteLine("usage: actorcdc-node [--config <file.conf>]\n  Runs an ActorCdc node; defaults and every key are documented in hocon/actorcdc.conf.");
            return 0;
        default:
            Console.Error.WriteLine($"actorcdc-node: unknown argument '{args[i]}'; usage: actorcdc-node [--config <file.conf>]");
            return 2;
    }
}

ActorCdcSettings settings;
Akka.Configuration.Config config;
try
{
    config = NodeConfig.Load(configFile);
    settings = ActorCdcSettings.Parse(config);
}
catch (Exception e) when (e is SettingsException or FileNotFoundException or FormatException)
{
    Console.Error.WriteLine($"actorcdc-node: {e.Message}");
    return 2;
}
if (settings.Pipelines.Count == 0)
{
    Console.Error.WriteLine("actorcdc-node: actorcdc.pipelines: no pipeline configured; expected at least one block such as actorcdc.pipelines.shop { source {...}, sink {...} } (see hocon/examples)");
    return 2;
}

var registry = new PipelineRegistry();
using (var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
{
    foreach (var p in settings.Pipelines)
    {
        try
        {
            registry.Add(await Preflight.CheckAsync(p, cts.Token));
        }
        catch (Exception e) when (Preflight.IsFatal(e))
        {
            Console.Error.WriteLine($"actorcdc-node: pipeline {p.Name}: {Preflight.Describe(e)}");
            return e is SettingsException ? 2 : 3;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Transient (e.g. the source is restarting): the pipeline retries with backoff once the node runs.
            Console.Error.WriteLine($"actorcdc-node: pipeline {p.Name}: {Preflight.Describe(e)} (will keep retrying)");
            registry.Add(new PipelineRuntime(p, Preflight.CreateSinkFactory(p)));
        }
    }
}

using var host = NodeHost.Build(new NodeOptions(settings, registry, config));
await host.RunAsync();
return 0;
