using ActorCdc.Core.Positions;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// A pipeline's state and lag: <see cref="LagBytes"/> = last WAL position received minus the slot's confirmed LSN,
/// <see cref="LagSeconds"/> = age of the oldest committed transaction not yet durable. Flow control (DESIGN.md §5):
/// <see cref="InFlightBytes"/> now, <see cref="PeakInFlightBytes"/> the most at once since the pipeline started on this
/// node, <see cref="InFlightBudgetBytes"/> the pipeline budget in force, <see cref="BackpressureSeconds"/> the total time
/// the reader stopped reading the replication stream for want of credit.
/// </summary>
public sealed record PipelineStatus(
    string Pipeline,
    PipelineState State,
    string? Reason,
    Lsn ConfirmedLsn,
    Lsn ReceivedLsn,
    long LagBytes,
    double LagSeconds,
    long InFlightBytes,
    long Reconnects,
    IReadOnlyList<TableStatus> Tables,
    long PeakInFlightBytes = 0,
    long InFlightBudgetBytes = 0,
    double BackpressureSeconds = 0) : IEngineMessage;
