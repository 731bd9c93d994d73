using ActorCdc.Core.Positions;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// A pipeline's state and lag: <see cref="LagBytes"/> = last WAL position received minus the slot's confirmed LSN,
/// <see cref="LagSeconds"/> = age of the oldest committed transaction not yet durable.
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
    IReadOnlyList<TableStatus> Tables) : IEngineMessage;
