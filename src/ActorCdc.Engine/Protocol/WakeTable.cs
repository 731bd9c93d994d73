namespace ActorCdc.Engine.Protocol;

/// <summary>
/// PipelineManager → TableEntity (ack-on = checkpointed): start if not running. Sharding starts an entity on its first
/// message only, and one that moved to another node may hold checkpointed batches the sink has not taken: without a
/// change of its table it would never write them.
/// </summary>
public sealed record WakeTable(string Pipeline, Core.Schema.TableId Table) : ITableEntityMessage
{
    public string EntityId => TableEntityId.For(Pipeline, Table);
}
