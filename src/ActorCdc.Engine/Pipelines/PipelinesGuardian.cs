using Akka.Actor;
using Akka.Cluster.Tools.Singleton;

namespace ActorCdc.Engine.Pipelines;

/// <summary>
/// Job: on every node, starts one cluster singleton per pipeline (its PipelineManager) and a proxy to reach it.
/// State: the proxies by pipeline name.
/// Supervision: a top-level actor at <c>/user/pipelines</c>; the singleton managers restart their manager elsewhere
/// when a node goes.
/// </summary>
public sealed class PipelinesGuardian : ReceiveActor
{
    /// <summary>Asks for the singleton proxy of a pipeline; answered with an <see cref="IActorRef"/>, Nobody if unknown.</summary>
    public sealed record GetProxy(string Pipeline);

    public const string Name = "pipelines";

    private readonly Dictionary<string, IActorRef> _proxies = new(StringComparer.Ordinal);

    public PipelinesGuardian(PipelineRegistry registry, IActorRef region)
    {
        foreach (var runtime in registry.All)
        {
            var name = runtime.Settings.Name;
            var system = Context.System;
            Context.ActorOf(ClusterSingletonManager.Props(
                    PipelineManager.Props(runtime, region),
                    PoisonPill.Instance,
                    ClusterSingletonManagerSettings.Create(system).WithSingletonName("manager")),
                $"pipeline-{name}");
            _proxies[name] = Context.ActorOf(ClusterSingletonProxy.Props(
                    $"/user/{Name}/pipeline-{name}",
                    ClusterSingletonProxySettings.Create(system).WithSingletonName("manager")),
                $"proxy-{name}");
        }
        Receive<GetProxy>(g => Sender.Tell(_proxies.TryGetValue(g.Pipeline, out var p) ? p : ActorRefs.Nobody));
    }

    public static Props Props(PipelineRegistry registry, IActorRef region) =>
        Akka.Actor.Props.Create(() => new PipelinesGuardian(registry, region));
}
