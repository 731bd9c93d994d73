namespace ActorCdc.Core.Schema;

/// <summary>
/// The shape of a table at one point of the stream (one pgoutput Relation message). A new version is
/// produced whenever the source sends a changed relation.
/// </summary>
public sealed class TableSchema
{
    public TableSchema(TableId table, uint relationId, IReadOnlyList<ColumnSchema> columns, ReplicaIdentity replicaIdentity)
    {
        Table = table;
        RelationId = relationId;
        Columns = columns;
        ReplicaIdentity = replicaIdentity;
        var keys = new List<int>();
        for (var i = 0; i < columns.Count; i++)
            if (columns[i].IsKey) keys.Add(i);
        KeyIndexes = keys.ToArray();
    }

    public TableId Table { get; }
    public uint RelationId { get; }
    public IReadOnlyList<ColumnSchema> Columns { get; }
    public ReplicaIdentity ReplicaIdentity { get; }

    /// <summary>Indexes into <see cref="Columns"/> of the key columns, in column order.</summary>
    public int[] KeyIndexes { get; }

    public bool HasKey => KeyIndexes.Length > 0;

    /// <summary>True when both describe the same columns (names, types, keys) for the same table.</summary>
    public bool SameShapeAs(TableSchema other)
    {
        if (!Table.Equals(other.Table) || Columns.Count != other.Columns.Count || ReplicaIdentity != other.ReplicaIdentity) return false;
        for (var i = 0; i < Columns.Count; i++)
            if (!Columns[i].Equals(other.Columns[i])) return false;
        return true;
    }

    public override string ToString() => $"{Table}({string.Join(", ", Columns.Select(c => c.Name + " " + c.TypeName + (c.IsKey ? " key" : "")))})";
}
