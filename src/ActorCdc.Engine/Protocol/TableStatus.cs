using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// Per-table figures of a pipeline: rows sent to the entity, rows durable (committed in the sink, or with ack-on =
/// checkpointed in a completed checkpoint), bytes in flight, rows the sink rejected that were skipped or dead-lettered
/// (<c>delivery.on-data-error</c>), and rows and bytes the sink has not committed yet (with ack-on = checkpointed the
/// slot is confirmed past them while the sink lags).
/// </summary>
public sealed record TableStatus(TableId Table, long RowsSent, long RowsApplied, long InFlightBytes, long RowsSkipped = 0, long RowsDeadLettered = 0,
    long PendingSinkRows = 0, long PendingSinkBytes = 0);
