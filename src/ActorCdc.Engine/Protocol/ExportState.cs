namespace ActorCdc.Engine.Protocol;

/// <summary>Savepoint → TableEntity: answer with the entity's state as a <see cref="TableEntitySnapshot"/> (without saving it).</summary>
public sealed record ExportState(string Pipeline, Core.Schema.TableId Table) : ITableEntityMessage
{
    public string EntityId => TableEntityId.For(Pipeline, Table);
}
