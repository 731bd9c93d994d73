using ActorCdc.Engine;
using Akka.Actor;

using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Savepoints;
using ActorCdc.Engine.Snapshots;
using ActorCdc.Node.Cmd;
using ActorCdc.Node.Cmd.Palettes;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ActorCdc.Node.Logging;
using ActorCdc.Node.Metrics;

namespace ActorCdc.Node;

/// <summary>Wires the node with Akka.Hosting: remoting, clustering, strict serialization, the engine's actors.</summary>
public static class NodeHost
{
    public static IHost Build(NodeOptions options)
    {
        var node = options.Settings.Node;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddNodeConsole(node);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Services.AddSingleton(options);
        builder.Services.AddHostedService<StatusPrinter>();
        builder.Services.AddNodePalettes();
        builder.Services.AddNodeMetrics(options.Settings);
        builder.Services.AddAkka(node.SystemName, (akka, _) =>
        {
            var self = $"akka.tcp://{node.SystemName}@{node.Hostname}:{node.Port}";
            akka.AddHocon(options.Config, HoconAddMode.Prepend)
                .AddHocon(StateConfig.Overrides(options.Settings.State), HoconAddMode.Prepend)
                .AddHocon(node.SplitBrainResolver.ToHocon(), HoconAddMode.Prepend)
                .AddHocon(EngineConfig.Akka, HoconAddMode.Append)
                .AddHocon(StateConfig.Fallback(options.Settings.State), HoconAddMode.Append)
                .ConfigureLoggers(l =>
                {
                    l.LogLevel = Akka.Event.LogLevel.InfoLevel;
                    l.ClearLoggers();
                    l.AddLogger<StructuredAkkaLogger>(); // LoggerFactoryLogger with categories and properties
                })
                .WithRemoting(node.Hostname, node.Port)
                .WithClustering(new ClusterOptions { SeedNodes = node.SeedNodes.Count > 0 ? node.SeedNodes.ToArray() : [self] })
                .WithActors(async (system, registry) =>
                {
                    if (options.FromSavepoint is { } from)
                    {
                        var slash = from.IndexOf('/');
                        var restored = await SavepointRestore.RestoreAsync(system, from[..slash], from[(slash + 1)..], CancellationToken.None).ConfigureAwait(false);
                        Console.WriteLine($"actorcdc-node: restored {restored} entities from savepoint {from}");
                    }
                    var guardian = await PipelineHost.StartAsync(system, options.Registry).ConfigureAwait(false);
                    registry.Register<PipelinesGuardian>(guardian);
                    foreach (var r in options.Resnapshots)
                    {
                        var slash = r.IndexOf('/');
                        var proxy = await guardian.Ask<Akka.Actor.IActorRef>(new PipelinesGuardian.GetProxy(r[..slash]), TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                        proxy.Tell(new Resnapshot(ActorCdc.Core.Schema.TableId.Parse(r[(slash + 1)..])));
                    }
                });
        });
        builder.Services.AddCommandHost(options.Cmd); // after AddAkka: started once the actor system is up
        return builder.Build();
    }
}
