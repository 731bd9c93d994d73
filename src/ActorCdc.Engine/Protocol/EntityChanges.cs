using ActorCdc.Core.Changes;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// WalReader → TableEntity: the next batch of one table. <see cref="Seq"/> counts the table's batches within one
/// replication session, so an entity notices a lost message (Akka remoting is at-most-once). <see cref="Xid"/> is the
/// source transaction's id, which backfill needs to tell changes a chunk's snapshot saw from those it did not.
/// </summary>
public sealed record EntityChanges(string Pipeline, long Session, long Seq, uint Xid, ChangeBatch Batch) : ITableEntityMessage
{
    public TableId Table => Batch.Table;
    public string EntityId => TableEntityId.For(Pipeline, Batch.Table);
}
