using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// WalReader → TableEntity: a backfill watermark of chunk <see cref="ChunkId"/> (attempt <see cref="Attempt"/>) reached
/// the table's stream at <see cref="Position"/>; low opens the chunk's window, high closes it (DESIGN.md §3.5). Numbered
/// with the table's batches so a lost watermark is noticed like a lost batch.
/// </summary>
public sealed record EntityWatermark(string Pipeline, long Session, long Seq, TableId Table, long ChunkId, int Attempt, bool High, SourcePosition Position) : ITableEntityMessage
{
    public string EntityId => TableEntityId.For(Pipeline, Table);
}
