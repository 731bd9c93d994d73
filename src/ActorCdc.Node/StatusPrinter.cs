using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Snapshots;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Hosting;

namespace ActorCdc.Node;

/// <summary>Prints each pipeline's state, lag and rows per table at <c>actorcdc.node.status-interval</c>.</summary>
public sealed class StatusPrinter(IRequiredActor<PipelinesGuardian> guardian, NodeOptions options) : BackgroundService
{
    private readonly StatusFormatter _formatter = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Settings.Node.StatusInterval;
        if (interval <= TimeSpan.Zero) return;
        var root = await guardian.GetAsync(stoppingToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            foreach (var p in options.Settings.Pipelines)
            {
                try
                {
                    var proxy = await root.Ask<IActorRef>(new PipelinesGuardian.GetProxy(p.Name), TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
                    var status = await proxy.Ask<PipelineStatus>(GetPipelineStatus.Instance, TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
                    IReadOnlyList<BackfillTableProgress> backfill = [];
                    if (status.State is PipelineState.Backfilling or PipelineState.Streaming or PipelineState.Paused)
                    {
                        try { backfill = (await proxy.Ask<BackfillProgress>(GetBackfillProgress.Instance, TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false)).Tables; }
                        catch (Exception e) when (e is not OperationCanceledException) { /* the coordinator is starting */ }
                    }
                    Console.WriteLine(_formatter.Format(status, backfill));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {p.Name}: status unavailable ({e.GetType().Name})");
                }
            }
        }
    }
}
