using ActorCdc.Core.Changes;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// WalReader → TableEntity: the next batch of one table. <see cref="Seq"/> counts the table's batches within one
/// replication session, so an entity notices a lost message (Akka remoting is at-most-once).
/// </summary>
public sealed record EntityChanges(string Pipeline, long Session, long Seq, ChangeBatch Batch) : IEngineMessage
{
    public TableId Table => Batch.Table;
    public string EntityId => TableEntityId.For(Pipeline, Batch.Table);
}
