using ActorCdc.Core.Schema;
using ActorCdc.Source.Postgres.Snapshots;

namespace ActorCdc.Engine.Snapshots;

/// <summary>
/// The coordinator's durable record of one table's backfill: the next key to plan from, the planned chunks not yet
/// completed (read again after a crash), and the counts behind the progress figures.
/// </summary>
public sealed class TableBackfillProgress(TableId table)
{
    public TableId Table { get; } = table;
    public TableBackfillStatus Status { get; set; } = TableBackfillStatus.Running;

    /// <summary>Where the next chunk starts; null before the first chunk.</summary>
    public KeyValue? Cursor { get; set; }

    /// <summary>True once planning reached the end of the key space.</summary>
    public bool Planned { get; set; }

    public List<BackfillChunk> Open { get; } = new();
    public long RowsCopied { get; set; }
    public long ChunksDone { get; set; }
    public long EstimatedRows { get; set; }
}
