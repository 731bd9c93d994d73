using ActorCdc.Core.Schema;
using ActorCdc.Engine.Protocol;

namespace ActorCdc.Engine.Snapshots;

/// <summary>
/// One table's backfill figures for status and metrics: rows copied and estimated total, chunks done and total (total
/// estimated until planning ends), copy rate over this coordinator's life and the time left at that rate.
/// </summary>
public sealed record BackfillTableProgress(
    TableId Table, TableBackfillStatus Status, long RowsCopied, long EstimatedRows, long ChunksDone, long ChunksTotal,
    bool ChunksTotalExact, double RowsPerSecond, TimeSpan? EstimatedTimeLeft, string? Note) : IEngineMessage;
