using System.Globalization;
using System.Text;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Snapshots;

namespace ActorCdc.Node;

/// <summary>
/// Renders a pipeline's status as the node's periodic status line and <c>actorcdc cdc status</c> print it: state, lag,
/// confirmed LSN, rows and rate per table, backfill progress bars. Rates come from the previous observation of the same
/// pipeline, so one formatter per printer (not thread-safe).
/// </summary>
public sealed class StatusFormatter
{
    private readonly Dictionary<string, (long Rows, DateTime AtUtc)> _last = new(StringComparer.Ordinal);

    /// <summary>Rows per second applied per table since the previous observation of this pipeline (0 the first time).</summary>
    public IReadOnlyDictionary<TableId, double> Observe(PipelineStatus s, DateTime nowUtc)
    {
        var rates = new Dictionary<TableId, double>();
        foreach (var t in s.Tables)
        {
            var key = s.Pipeline + "/" + t.Table;
            var rate = 0.0;
            if (_last.TryGetValue(key, out var before))
            {
                var seconds = (nowUtc - before.AtUtc).TotalSeconds;
                if (seconds > 0) rate = Math.Max(0, (t.RowsApplied - before.Rows) / seconds);
            }
            _last[key] = (t.RowsApplied, nowUtc);
            rates[t.Table] = rate;
        }
        return rates;
    }

    /// <summary>Observes and renders in one step, stamped with the local time.</summary>
    public string Format(PipelineStatus s, IReadOnlyList<BackfillTableProgress> backfill) =>
        Format(s, backfill, Observe(s, DateTime.UtcNow), DateTime.Now);

    public static string Format(PipelineStatus s, IReadOnlyList<BackfillTableProgress> backfill, IReadOnlyDictionary<TableId, double> rates, DateTime localTime)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"[{localTime:HH:mm:ss}] {s.Pipeline} {s.State}");
        if (s.Reason is not null) sb.Append(" (").Append(s.Reason).Append(')');
        sb.Append(CultureInfo.InvariantCulture, $"  lag {Bytes(s.LagBytes)} / {s.LagSeconds:0.0}s  confirmed {s.ConfirmedLsn}");
        if (s.InFlightBudgetBytes > 0)
            sb.Append(CultureInfo.InvariantCulture,
                $"\n    flow control: in flight {s.InFlightBytes:N0} B, peak {s.PeakInFlightBytes:N0} B of budget {s.InFlightBudgetBytes:N0} B, backpressured {s.BackpressureSeconds:0.0}s, reconnects {s.Reconnects}");
        foreach (var t in s.Tables)
        {
            var rate = rates.TryGetValue(t.Table, out var r) ? r : 0;
            sb.Append(CultureInfo.InvariantCulture, $"\n    {t.Table,-32} replicated {t.RowsApplied,10:N0}  ({rate,8:N0} rows/s)");
            if (t.RowsSkipped > 0) sb.Append(CultureInfo.InvariantCulture, $"  skipped {t.RowsSkipped}");
            if (t.RowsDeadLettered > 0) sb.Append(CultureInfo.InvariantCulture, $"  dead-lettered {t.RowsDeadLettered}");
            // ack-on = checkpointed: the slot is confirmed past these rows while the sink has not committed them.
            if (t.PendingSinkRows > 0) sb.Append(CultureInfo.InvariantCulture, $"  pending in sink {t.PendingSinkRows:N0} rows / {Bytes(t.PendingSinkBytes)}");
        }
        foreach (var b in backfill)
        {
            if (b.Status == TableBackfillStatus.Done && b.Note is null) continue;
            sb.Append(CultureInfo.InvariantCulture, $"\n    {b.Table,-32} backfill ");
            if (b.Note is not null) { sb.Append(b.Note); continue; }
            if (b.Status == TableBackfillStatus.Skipped) { sb.Append("skipped (snapshot mode never)"); continue; }
            var pct = Percent(b);
            sb.Append(CultureInfo.InvariantCulture, $"{Bar(pct)} {pct,5:0.0}%  {b.RowsCopied:N0}/~{b.EstimatedRows:N0} rows  chunks {b.ChunksDone}/{(b.ChunksTotalExact ? "" : "~")}{b.ChunksTotal}  {b.RowsPerSecond:N0} rows/s");
            if (b.EstimatedTimeLeft is { } eta) sb.Append(CultureInfo.InvariantCulture, $"  ETA {eta:hh\\:mm\\:ss}");
        }
        return sb.ToString();
    }

    /// <summary>How much of a table's estimated rows are copied, 0 to 100 (100 once done).</summary>
    public static double Percent(BackfillTableProgress b) =>
        b.Status == TableBackfillStatus.Done ? 100 : b.EstimatedRows > 0 ? Math.Min(100.0, 100.0 * b.RowsCopied / b.EstimatedRows) : 0;

    /// <summary>A 20-cell progress bar: <c>[#####...............]</c>.</summary>
    public static string Bar(double pct)
    {
        var filled = (int)Math.Round(Math.Clamp(pct, 0, 100) / 5);
        return "[" + new string('#', filled) + new string('.', 20 - filled) + "]";
    }

    /// <summary>Bytes for humans: B, KiB, MiB, GiB.</summary>
    public static string Bytes(long n) => n switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{n} B"),
        < 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{n / 1024.0:0.0} KiB"),
        < 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{n / 1048576.0:0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{n / 1073741824.0:0.0} GiB"),
    };
}
