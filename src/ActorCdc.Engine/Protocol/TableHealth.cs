using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// TableEntity → WalReader, on every change and again at each checkpoint: the problem the table keeps retrying (its sink
/// writer failing, rows rejected under <c>on-data-error = fail</c>, checkpoint uploads failing), or null when healthy,
/// and the rows the sink rejected that were skipped or dead-lettered so far. Any problem makes the pipeline Degraded.
/// </summary>
public sealed record TableHealth(TableId Table, string? Problem, long RowsSkipped, long RowsDeadLettered) : IEngineMessage;
