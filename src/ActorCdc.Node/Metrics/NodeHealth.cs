using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorCdc.Node.Metrics;

/// <summary>
/// Liveness (the actor system runs) and readiness (this node joined the cluster, and every configured pipeline's
/// singleton answers and is not Starting or Failed) for <c>/healthz</c> and <c>/readyz</c>.
/// </summary>
public sealed class NodeHealth(IServiceProvider services, NodeOptions options)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    private ActorSystem? System
    {
        get
        {
            try { return services.GetService<ActorSystem>(); }
            catch (Exception) { return null; } // Akka.Hosting provides the system once it started
        }
    }

    /// <summary>The process runs and its actor system is not terminated (true while the system is still starting).</summary>
    public bool IsAlive => System is not { } system || !system.WhenTerminated.IsCompleted;

    public async Task<ReadinessReport> CheckReadyAsync(CancellationToken ct)
    {
        var reasons = new List<string>();
        var pipelines = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var system = System;
        if (system is null || system.WhenTerminated.IsCompleted)
            return new ReadinessReport(false, [system is null ? "the actor system is starting" : "the actor system is terminated"], pipelines);
        var self = Cluster.Get(system).SelfMember;
        if (self.Status != MemberStatus.Up) reasons.Add($"this node has not joined the cluster (member status {self.Status})");
        if (!ActorRegistry.For(system).TryGet<PipelinesGuardian>(out var guardian))
        {
            reasons.Add("the pipelines are not started yet");
            return new ReadinessReport(false, reasons, pipelines);
        }
        foreach (var p in options.Settings.Pipelines)
        {
            try
            {
                var proxy = await guardian.Ask<IActorRef>(new PipelinesGuardian.GetProxy(p.Name), AskTimeout, ct).ConfigureAwait(false);
                var status = await proxy.Ask<PipelineStatus>(GetPipelineStatus.Instance, AskTimeout, ct).ConfigureAwait(false);
                pipelines[p.Name] = status.State.ToString();
                if (status.State is PipelineState.Starting or PipelineState.Failed)
                    reasons.Add($"pipeline {p.Name} is {status.State}{(status.Reason is null ? "" : ": " + status.Reason)}");
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                pipelines[p.Name] = "Unreachable";
                reasons.Add($"pipeline {p.Name}: its singleton did not answer within {AskTimeout.TotalSeconds:0}s");
            }
        }
        return new ReadinessReport(reasons.Count == 0, reasons, pipelines);
    }
}
