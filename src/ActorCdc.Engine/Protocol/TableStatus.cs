using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// Per-table figures of a pipeline: rows sent to the entity, rows committed in the sink, bytes in flight, rows the sink
/// rejected that were skipped or dead-lettered (<c>delivery.on-data-error</c>).
/// </summary>
public sealed record TableStatus(TableId Table, long RowsSent, long RowsApplied, long InFlightBytes, long RowsSkipped = 0, long RowsDeadLettered = 0);
