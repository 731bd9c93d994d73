using ActorCdc.Core.Schema;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Snapshots;
using Akka.Actor;
using Akka.Hosting;

namespace ActorCdc.Node.Cmd.Palettes;

/// <summary>
/// How palettes reach the pipelines: the names configured on this node, each pipeline's singleton proxy (its manager may
/// run on any node), its status, backfill progress and captured tables.
/// </summary>
public sealed class PipelineAccess(IRequiredActor<PipelinesGuardian> guardian, NodeOptions options)
{
    /// <summary>How long a question to a pipeline manager may take.</summary>
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public IReadOnlyList<string> Names { get; } = options.Settings.Pipelines.Select(p => p.Name).ToList();

    /// <summary>Null when <paramref name="pipeline"/> is configured here, else a sentence naming the ones that are.</summary>
    public string? Unknown(string? pipeline)
    {
        if (pipeline is null) return $"name a pipeline with -p; pipelines on this node: {string.Join(", ", Names)}";
        return Names.Contains(pipeline, StringComparer.Ordinal)
            ? null
            : $"no pipeline '{pipeline}' on this node; pipelines: {(Names.Count == 0 ? "(none)" : string.Join(", ", Names))} (`actorcdc cdc pipelines` lists them)";
    }

    public async Task<IActorRef> ProxyAsync(string pipeline, CancellationToken ct)
    {
        var root = await guardian.GetAsync(ct).ConfigureAwait(false);
        var proxy = await root.Ask<IActorRef>(new PipelinesGuardian.GetProxy(pipeline), AskTimeout, ct).ConfigureAwait(false);
        if (proxy.IsNobody()) throw new InvalidOperationException($"no pipeline '{pipeline}' is running on this node");
        return proxy;
    }

    /// <summary>Asks the pipeline's manager; no answer in time throws a <see cref="TimeoutException"/> that says what to do.</summary>
    public async Task<T> AskAsync<T>(string pipeline, object message, CancellationToken ct, TimeSpan? timeout = null)
    {
        var proxy = await ProxyAsync(pipeline, ct).ConfigureAwait(false);
        var limit = timeout ?? AskTimeout;
        try { return await proxy.Ask<T>(message, limit, ct).ConfigureAwait(false); }
        catch (AskTimeoutException e)
        {
            throw new TimeoutException($"pipeline {pipeline}'s manager did not answer within {limit.TotalSeconds:0}s " +
                                       "(it may be starting, or moving to another node after a node left); try again in a moment", e);
        }
    }

    public Task<PipelineStatus> StatusAsync(string pipeline, CancellationToken ct) =>
        AskAsync<PipelineStatus>(pipeline, GetPipelineStatus.Instance, ct);

    /// <summary>Every table's backfill progress; empty while the pipeline prepares its source (no coordinator yet).</summary>
    public async Task<IReadOnlyList<BackfillTableProgress>> BackfillAsync(string pipeline, CancellationToken ct)
    {
        try { return (await AskAsync<BackfillProgress>(pipeline, GetBackfillProgress.Instance, ct).ConfigureAwait(false)).Tables; }
        catch (Exception e) when (e is TimeoutException or TaskCanceledException && !ct.IsCancellationRequested) { return []; }
    }

    /// <summary>The tables the pipeline captures: those its backfill knows and those it has streamed changes of.</summary>
    public async Task<IReadOnlyList<TableId>> TablesAsync(string pipeline, PipelineStatus status, CancellationToken ct)
    {
        var tables = new SortedSet<TableId>(status.Tables.Select(t => t.Table));
        foreach (var b in await BackfillAsync(pipeline, ct).ConfigureAwait(false)) tables.Add(b.Table);
        return tables.ToList();
    }
}
