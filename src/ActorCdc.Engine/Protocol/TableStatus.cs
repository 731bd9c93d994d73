using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>Per-table figures of a pipeline: rows sent to the entity, rows committed in the sink, bytes in flight.</summary>
public sealed record TableStatus(TableId Table, long RowsSent, long RowsApplied, long InFlightBytes);
