using System.Diagnostics;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using Akka.Actor;

namespace ActorCdc.Engine.Metrics;

/// <summary>
/// One table entity's instruments, with its tag arrays built once (pipeline, table, and one array per operation and
/// failure kind), so that recording at the call sites allocates nothing.
/// </summary>
public sealed class TableMetrics
{
    private readonly KeyValuePair<string, object?>[][] _operations;
    private readonly KeyValuePair<string, object?>[][] _errorKinds;
    private long _lastCheckpointTicks;
    private long _checkpointStarted;

    internal TableMetrics(string entityId)
    {
        var slash = entityId.IndexOf('/');
        var pipeline = slash < 0 ? "" : entityId[..slash];
        var table = entityId[(slash + 1)..];
        Tags = [new("pipeline", pipeline), new("table", table)];
        _operations = new KeyValuePair<string, object?>[OperationCounts.Names.Length][];
        for (var i = 0; i < _operations.Length; i++) _operations[i] = [Tags[0], Tags[1], new("operation", OperationCounts.Names[i])];
        _errorKinds = new KeyValuePair<string, object?>[4][];
        for (var i = 0; i < _errorKinds.Length; i++)
            _errorKinds[i] = [Tags[0], Tags[1], new("kind", i == 0 ? "unknown" : ((FailureKind)i).ToString().ToLowerInvariant())];
    }

    internal KeyValuePair<string, object?>[] Tags { get; }

    internal long LastCheckpointTicks => Interlocked.Read(ref _lastCheckpointTicks);

    /// <summary>Counts a write's rows by operation; rows at <paramref name="backfillLsn"/> (a high watermark) are backfilled rows.</summary>
    public static OperationCounts Count(IReadOnlyList<RowChange> changes, Lsn backfillLsn) => OperationCounts.Of(changes, backfillLsn);

    /// <summary>A write of these rows was applied (or, for sinks that commit at checkpoints, written).</summary>
    public void Applied(in OperationCounts counts)
    {
        for (var i = 0; i < OperationCounts.Names.Length; i++)
            if (counts[i] > 0) CdcMetrics.SinkRows.Add(counts[i], _operations[i]);
    }

    public void SinkRetry() => CdcMetrics.SinkRetries.Add(1, Tags);

    public void SinkError(Exception error)
    {
        var kind = error is CdcException c ? (int)c.Kind : error is AggregateException { InnerException: CdcException ic } ? (int)ic.Kind : (int)FailureKind.Transient;
        CdcMetrics.SinkErrors.Add(1, _errorKinds[kind is > 0 and < 4 ? kind : 0]);
    }

    public void CheckpointStarted() => Interlocked.Exchange(ref _checkpointStarted, Stopwatch.GetTimestamp());

    /// <summary>A checkpoint snapshot was saved: its duration since <see cref="CheckpointStarted"/>, its serialized size, its age from now.</summary>
    public void CheckpointSaved(ActorSystem system, object snapshot)
    {
        var started = Interlocked.Read(ref _checkpointStarted);
        if (started != 0) CdcMetrics.CheckpointDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Tags);
        try { CdcMetrics.CheckpointSize.Record(system.Serialization.FindSerializerFor(snapshot).ToBinary(snapshot).Length, Tags); }
        catch (Exception) { /* a size we cannot measure is no reason to disturb the entity */ }
        Interlocked.Exchange(ref _lastCheckpointTicks, DateTime.UtcNow.Ticks);
    }

    /// <summary>The entity stopped on this node: its checkpoint age is no longer reported here.</summary>
    public void Detach() => Interlocked.Exchange(ref _lastCheckpointTicks, 0);
}
