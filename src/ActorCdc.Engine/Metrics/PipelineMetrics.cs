using System.Collections.Concurrent;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Snapshots;

namespace ActorCdc.Engine.Metrics;

/// <summary>
/// One pipeline's instruments and the snapshots its actors publish for the gauges (the WAL reader's status, the
/// backfill coordinator's progress). Thread-safe: actors publish whole immutable values, scrapes read them.
/// </summary>
public sealed class PipelineMetrics
{
    private readonly ConcurrentDictionary<string, KeyValuePair<string, object?>[]> _tableTags = new(StringComparer.Ordinal);
    private volatile PipelineStatus? _published;
    private volatile IReadOnlyList<BackfillTableProgress>? _backfill;

    internal PipelineMetrics(string pipeline)
    {
        Name = pipeline;
        Tags = [new("pipeline", pipeline)];
    }

    public string Name { get; }

    internal KeyValuePair<string, object?>[] Tags { get; }

    internal PipelineStatus? Published => _published;

    internal IReadOnlyList<BackfillTableProgress>? Backfill => _backfill;

    internal KeyValuePair<string, object?>[] TableTags(string table) =>
        _tableTags.GetOrAdd(table, t => [new("pipeline", Name), new("table", t)]);

    /// <summary>The WAL reader's latest status (lag, in-flight bytes); null when the reader stopped on this node.</summary>
    public void Publish(PipelineStatus? status) => _published = status;

    /// <summary>The backfill coordinator's latest progress per table; null when it stopped on this node.</summary>
    public void PublishBackfill(IReadOnlyList<BackfillTableProgress>? progress) => _backfill = progress;

    /// <summary>The WAL pump waited this many ticks for flow-control credit.</summary>
    public void BackpressureWaited(long ticks) => CdcMetrics.Backpressure.Add(TimeSpan.FromTicks(ticks).TotalSeconds, Tags);
}
