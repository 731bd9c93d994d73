using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// Operator → TableEntity: take a checkpoint now (as at a checkpoint tick, even when nothing changed) and answer with
/// <see cref="CheckpointTaken"/> once the snapshot is saved and checkpoint storage holds it, or it failed.
/// </summary>
public sealed record TakeCheckpoint(string Pipeline, TableId Table) : ITableEntityMessage
{
    public string EntityId => TableEntityId.For(Pipeline, Table);
}
