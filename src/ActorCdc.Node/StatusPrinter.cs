using System.Globalization;
using System.Text;
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
    private readonly Dictionary<string, long> _lastApplied = new();

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
                    if (status.State is PipelineState.Backfilling or PipelineState.Streaming)
                    {
                        try { backfill = await proxy.Ask<IReadOnlyList<BackfillTableProgress>>(GetBackfillProgress.Instance, TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false); }
                        catch (Exception e) when (e is not OperationCanceledException) { /* the coordinator is starting */ }
                    }
                    Console.WriteLine(Format(status, backfill, interval));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {p.Name}: status unavailable ({e.GetType().Name})");
                }
            }
        }
    }

    private string Format(PipelineStatus s, IReadOnlyList<BackfillTableProgress> backfill, TimeSpan interval)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"[{DateTime.Now:HH:mm:ss}] {s.Pipeline} {s.State}");
        if (s.Reason is not null) sb.Append(" (").Append(s.Reason).Append(')');
        sb.Append(CultureInfo.InvariantCulture, $"  lag {Bytes(s.LagBytes)} / {s.LagSeconds:0.0}s  confirmed {s.ConfirmedLsn}");
        foreach (var t in s.Tables)
        {
            var key = s.Pipeline + "/" + t.Table;
            _lastApplied.TryGetValue(key, out var before);
            _lastApplied[key] = t.RowsApplied;
            var rate = (t.RowsApplied - before) / interval.TotalSeconds;
            sb.Append(CultureInfo.InvariantCulture, $"\n    {t.Table,-32} replicated {t.RowsApplied,10:N0}  ({rate,8:N0} rows/s)");
            // ack-on = checkpointed: the slot is confirmed past these rows while the sink has not committed them.
            if (t.PendingSinkRows > 0) sb.Append(CultureInfo.InvariantCulture, $"  pending in sink {t.PendingSinkRows:N0} rows / {Bytes(t.PendingSinkBytes)}");
        }
        foreach (var b in backfill)
        {
            if (b.Status == TableBackfillStatus.Done && b.Note is null) continue;
            sb.Append(CultureInfo.InvariantCulture, $"\n    {b.Table,-32} backfill ");
            if (b.Note is not null) { sb.Append(b.Note); continue; }
            if (b.Status == TableBackfillStatus.Skipped) { sb.Append("skipped (snapshot mode never)"); continue; }
            var pct = b.EstimatedRows > 0 ? Math.Min(100.0, 100.0 * b.RowsCopied / b.EstimatedRows) : 0;
            sb.Append(CultureInfo.InvariantCulture, $"{Bar(pct)} {pct,5:0.0}%  {b.RowsCopied:N0}/~{b.EstimatedRows:N0} rows  chunks {b.ChunksDone}/{(b.ChunksTotalExact ? "" : "~")}{b.ChunksTotal}  {b.RowsPerSecond:N0} rows/s");
            if (b.EstimatedTimeLeft is { } eta) sb.Append(CultureInfo.InvariantCulture, $"  ETA {eta:hh\\:mm\\:ss}");
        }
        return sb.ToString();
    }

    private static string Bar(double pct)
    {
        var filled = (int)Math.Round(pct / 5);
        return "[" + new string('#', filled) + new string('.', 20 - filled) + "]";
    }

    private static string Bytes(long n) => n switch
    {
        < 1024 => $"{n} B",
        < 1 << 20 => $"{n / 1024.0:0.0} KiB",
        _ => $"{n / 1048576.0:0.0} MiB",
    };
}
