using ActorCdc.Core.Changes;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>ChunkReader → TableEntity: part <see cref="Part"/> of a chunk's rows, in key order, in <see cref="Schema"/>'s column order.</summary>
public sealed record ChunkRows(string Pipeline, long ChunkId, int Attempt, int Part, TableSchema Schema, IReadOnlyList<ColumnValue[]> Rows) : ITableEntityMessage
{
    public TableId Table => Schema.Table;
    public string EntityId => TableEntityId.For(Pipeline, Schema.Table);
}
