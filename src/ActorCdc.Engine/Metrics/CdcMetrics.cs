using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ActorCdc.Engine.Metrics;

/// <summary>
/// The engine's instruments, on one <see cref="Meter"/> named <c>ActorCdc</c> (System.Diagnostics.Metrics only: the node
/// exports them; docs/profiling.md lists each with what high values mean). Counters and histograms are fed at their
/// call sites through <see cref="TableMetrics"/> and <see cref="PipelineMetrics"/> (cached tag arrays, no allocation per
/// row); gauges read the snapshots the actors publish there.
/// </summary>
public static class CdcMetrics
{
    public const string MeterName = "ActorCdc";

    public static readonly Meter Meter = new(MeterName);

    private static readonly ConcurrentDictionary<string, PipelineMetrics> Pipelines = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, TableMetrics> Tables = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, bool> StateDirectories = new(StringComparer.Ordinal);

    internal static readonly Counter<long> SinkRows = Meter.CreateCounter<long>("actorcdc.sink.rows", "{row}",
        "Rows applied to the sink, by operation (insert, update, delete, truncate, backfill)");
    internal static readonly Counter<long> SinkRetries = Meter.CreateCounter<long>("actorcdc.sink.retries", "{write}",
        "Sink writes retried after a failure");
    internal static readonly Counter<long> SinkErrors = Meter.CreateCounter<long>("actorcdc.sink.errors", "{error}",
        "Failed sink writes, by kind (transient, data, fatal)");
    internal static readonly Counter<double> Backpressure = Meter.CreateCounter<double>("actorcdc.wal.backpressure", "s",
        "Time the WAL pump waited for flow-control credit");
    internal static readonly Histogram<double> CheckpointDuration = Meter.CreateHistogram<double>("actorcdc.checkpoint.duration", "s",
        "From the start of a table entity's checkpoint to its snapshot being saved locally", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
    internal static readonly Histogram<long> CheckpointSize = Meter.CreateHistogram<long>("actorcdc.checkpoint.size", "By",
        "Serialized size of a table entity's checkpoint snapshot", tags: null,
        new InstrumentAdvice<long> { HistogramBucketBoundaries = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216] });

    static CdcMetrics()
    {
        Meter.CreateObservableGauge("actorcdc.lag.bytes", () => Observe(p => p.LagBytes), "By",
            "Server WAL position received minus the slot's confirmed LSN");
        Meter.CreateObservableGauge("actorcdc.lag.seconds", () => Observe(p => p.LagSeconds), "s",
            "Age of the oldest committed transaction not yet applied (commit to applied)");
        Meter.CreateObservableGauge("actorcdc.inflight.bytes", () => Observe(p => p.InFlightBytes), "By",
            "Bytes sent to table entities and not yet durable (flow-control credit in use)");
        Meter.CreateObservableGauge("actorcdc.pipeline.streaming", () => Observe(p => p.State == Protocol.PipelineState.Streaming ? 1 : 0), "{bool}",
            "1 while this node's WAL reader of the pipeline streams, else 0");
        Meter.CreateObservableGauge("actorcdc.backfill.rows.copied", () => ObserveBackfill(b => b.RowsCopied), "{row}",
            "Rows copied by the backfill");
        Meter.CreateObservableGauge("actorcdc.backfill.rows.estimated", () => ObserveBackfill(b => b.EstimatedRows), "{row}",
            "Rows the backfill expects to copy (from the planner's estimate)");
        Meter.CreateObservableGauge("actorcdc.backfill.chunks.done", () => ObserveBackfill(b => b.ChunksDone), "{chunk}",
            "Backfill chunks merged and applied");
        Meter.CreateObservableGauge("actorcdc.backfill.chunks.total", () => ObserveBackfill(b => b.ChunksTotal), "{chunk}",
            "Backfill chunks planned (an estimate until planning ends)");
        Meter.CreateObservableGauge("actorcdc.checkpoint.age", ObserveCheckpointAge, "s",
            "Time since the table entity's last completed checkpoint");
        Meter.CreateObservableGauge("actorcdc.journal.size", ObserveStateSize, "By",
            "Bytes of the node's RocksDB state (journal and local snapshots) on disk");
    }

    /// <summary>The metrics of one pipeline (tags cached).</summary>
    public static PipelineMetrics Pipeline(string pipeline) => Pipelines.GetOrAdd(pipeline, p => new PipelineMetrics(p));

    /// <summary>The metrics of one table entity, by entity id <c>pipeline/schema.table</c> (tags cached).</summary>
    public static TableMetrics Table(string entityId) => Tables.GetOrAdd(entityId, id => new TableMetrics(id));

    /// <summary>Reports the size of a RocksDB state directory as <c>actorcdc.journal.size</c>.</summary>
    public static void WatchStateDirectory(string path) => StateDirectories[Path.GetFullPath(path)] = true;

    private static IEnumerable<Measurement<T>> Observe<T>(Func<Protocol.PipelineStatus, T> value) where T : struct
    {
        foreach (var p in Pipelines.Values)
            if (p.Published is { } s)
                yield return new Measurement<T>(value(s), p.Tags);
    }

    private static IEnumerable<Measurement<long>> ObserveBackfill(Func<Snapshots.BackfillTableProgress, long> value)
    {
        foreach (var p in Pipelines.Values)
        {
            if (p.Backfill is not { } list) continue;
            foreach (var b in list) yield return new Measurement<long>(value(b), p.TableTags(b.Table.ToString()));
        }
    }

    private static IEnumerable<Measurement<double>> ObserveCheckpointAge()
    {
        var now = DateTime.UtcNow.Ticks;
        foreach (var t in Tables.Values)
            if (t.LastCheckpointTicks is > 0 and var last)
                yield return new Measurement<double>(TimeSpan.FromTicks(now - last).TotalSeconds, t.Tags);
    }

    private static IEnumerable<Measurement<long>> ObserveStateSize()
    {
        foreach (var dir in StateDirectories.Keys)
        {
            long bytes = 0;
            try
            {
                if (!Directory.Exists(dir)) continue;
                foreach (var f in new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories)) bytes += f.Length;
            }
            catch (IOException) { continue; } // a file compacted away while listing: the next scrape counts again
            yield return new Measurement<long>(bytes, new KeyValuePair<string, object?>("path", dir));
        }
    }
}
