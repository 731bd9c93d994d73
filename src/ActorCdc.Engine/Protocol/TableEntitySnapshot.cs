using ActorCdc.Core.Positions;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// TableEntity snapshot: the applied position, the incarnation (epoch) that took it, and the token of the sink's
/// prepared-but-uncommitted writes for sinks that commit at checkpoints (null otherwise). Local journal events are
/// valid after a snapshot only when they carry the same epoch (DESIGN.md §3.6).
/// </summary>
public sealed record TableEntitySnapshot(SourcePosition Applied, long Epoch, byte[]? SinkToken) : IEngineMessage
{
    /// <summary>Planned sink writes not yet applied (sinks that name writes by position), oldest first.</summary>
    public IReadOnlyList<(SourcePosition First, SourcePosition Last)> OpenPlans { get; init; } = [];

    /// <summary>Rows the sink rejected that were skipped (<c>on-data-error = skip</c>) so far.</summary>
    public long RowsSkipped { get; init; }

    /// <summary>Rows the sink rejected that were dead-lettered so far.</summary>
    public long RowsDeadLettered { get; init; }

    /// <summary>The position of the last rejected row counted, so a replayed rejection is not counted twice.</summary>
    public SourcePosition LastRejected { get; init; } = SourcePosition.Start;

    /// <summary>
    /// ack-on = checkpointed: the journal segments in checkpoint storage holding the batches persisted before this
    /// snapshot and not applied, oldest first (empty otherwise).
    /// </summary>
    public IReadOnlyList<JournalSegmentRef> Segments { get; init; } = [];

    /// <summary>
    /// True when batches persisted before this snapshot were neither applied nor in <see cref="Segments"/>: Akka replays
    /// only the events after a snapshot, so recovering those later events on top of it would hide the earlier ones from
    /// the slot's replay (dropped as at or below the persisted position). Such an incarnation discards its later local
    /// events instead; the slot still holds all of them, since none is durable.
    /// </summary>
    public bool JournalGap { get; init; }
}
