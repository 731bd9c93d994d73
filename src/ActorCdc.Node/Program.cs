using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Node;
using ActorCdc.Node.Cmd;
using Microsoft.Extensions.Hosting;

// actorcdc-node: runs one ActorCdc cluster node. Exit codes: 0 stopped cleanly, 2 bad usage or configuration,
// 3 a pipeline cannot start (source or sink refused it; the line printed says what to fix).
ActorCdc.Node.Logging.MaskingTextWriter.Install(); // nothing this process prints may carry a secret
const string Usage = "usage: actorcdc-node [--config <file.conf>] [--from-savepoint <pipeline>/<id>] [--list-savepoints <pipeline>] [--resnapshot <pipeline>/<schema.table>]...";
string? configFile = null;
string? fromSavepoint = null;
string? listSavepoints = null;
var resnapshots = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--config" when i + 1 < args.Length:
            configFile = args[++i];
            break;
        case "--from-savepoint" when i + 1 < args.Length && args[i + 1].Contains('/'):
            fromSavepoint = args[++i];
            break;
        case "--list-savepoints" when i + 1 < args.Length:
            listSavepoints = args[++i];
            break;
        case "--resnapshot" when i + 1 < args.Length && args[i + 1].Contains('/'):
            resnapshots.Add(args[++i]);
            break;
        case "-h" or "--help":
            Console.WriteLine(Usage + "\n  Runs an ActorCdc node; defaults and every key are documented in hocon/actorcdc.conf.\n" +
                              "  --from-savepoint  starts the pipelines from a savepoint in checkpoint storage (either state backend)\n" +
                              "  --list-savepoints lists a pipeline's savepoints and exits\n" +
                              "  --resnapshot      copies a table's rows again once the node runs (repeatable)");
            return 0;
        default:
            Console.Error.WriteLine($"actorcdc-node: unknown or incomplete argument '{args[i]}'; {Usage}");
            return 2;
    }
}

ActorCdcSettings settings;
Akka.Configuration.Config config;
CmdSettings cmd;
try
{
    config = NodeConfig.Load(configFile);
    ActorCdc.Node.Logging.ConfigSecrets.Register(config);
    settings = ActorCdcSettings.Parse(config);
    cmd = CmdSettings.Parse(config);
}
catch (Exception e) when (e is SettingsException or FileNotFoundException or FormatException)
{
    Console.Error.WriteLine($"actorcdc-node: {e.Message}");
    return 2;
}
if (listSavepoints is not null)
    return await SavepointCommands.ListAsync(config, settings, listSavepoints);

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

using var host = NodeHost.Build(new NodeOptions(settings, registry, config) { FromSavepoint = fromSavepoint, Resnapshots = resnapshots, Cmd = cmd });
try
{
    await host.RunAsync();
}
catch (SettingsException e)
{
    // Found only when binding, e.g. actorcdc.cmd.port already in use.
    Console.Error.WriteLine($"actorcdc-node: {e.Message}");
    return 2;
}
return 0;
