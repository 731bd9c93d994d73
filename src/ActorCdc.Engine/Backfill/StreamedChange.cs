using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Backfill;

/// <summary>A change of the table as the entity streamed it, with the xid of its transaction and the schema describing its columns.</summary>
public readonly record struct StreamedChange(RowChange Change, uint Xid, TableSchema Schema)
{
    /// <summary>The change's position in the stream.</summary>
    public SourcePosition Position => Change.Position;
}
