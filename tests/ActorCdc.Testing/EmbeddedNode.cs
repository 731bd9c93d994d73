using ActorCdc.Engine;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;

namespace ActorCdc.Testing;

/// <summary>A single-node ActorCdc cluster in this process, as the node executable wires it, for tests and benchmarks.</summary>
public sealed class EmbeddedNode : IAsyncDisposable
{
    private readonly PipelineRegistry _registry;
    private IActorRef? _guardian;

    private EmbeddedNode(ActorSystem system, PipelineRegistry registry)
    {
        System = system;
        _registry = registry;
    }

    public ActorSystem System { get; }
    public IActorRef Guardian => _guardian ?? throw new InvalidOperationException("pipelines not started");

    public async Task StartPipelinesAsync() => _guardian = await PipelineHost.StartAsync(System, _registry);

    /// <summary>Starts a node; <paramref name="extra"/> (e.g. the state backend's plugins) takes precedence over the engine's defaults.</summary>
    public static async Task<EmbeddedNode> StartAsync(PipelineRegistry registry, bool startPipelines = true, Config? extra = null)
    {
        var port = FreePort.Next();
        var config = ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
            akka.loglevel = {{Environment.GetEnvironmentVariable("ACTORCDC_BENCH_LOGLEVEL") ?? "WARNING"}}
            """).WithFallback(extra ?? Config.Empty).WithFallback(EngineConfig.Akka);
        var system = ActorSystem.Create("actorcdc", config);
        var cluster = Cluster.Get(system);
        var up = new TaskCompletionSource();
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        await cluster.JoinAsync(cluster.SelfAddress);
        await up.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var node = new EmbeddedNode(system, registry);
        if (startPipelines) await node.StartPipelinesAsync();
        return node;
    }

    public async Task<PipelineStatus> StatusAsync(string pipeline)
    {
        var proxy = await Guardian.Ask<IActorRef>(new PipelinesGuardian.GetProxy(pipeline), TimeSpan.FromSeconds(5));
        return await proxy.Ask<PipelineStatus>(GetPipelineStatus.Instance, TimeSpan.FromSeconds(5));
    }

    public async Task<IReadOnlyList<ActorCdc.Engine.Snapshots.BackfillTableProgress>> BackfillAsync(string pipeline)
    {
        var proxy = await Guardian.Ask<IActorRef>(new PipelinesGuardian.GetProxy(pipeline), TimeSpan.FromSeconds(5));
        return (await proxy.Ask<ActorCdc.Engine.Snapshots.BackfillProgress>(ActorCdc.Engine.Snapshots.GetBackfillProgress.Instance, TimeSpan.FromSeconds(5))).Tables;
    }

    public async ValueTask DisposeAsync() => await System.Terminate();
}
