using ActorCdc.Core.Schema;
using ActorCdc.Sink.StarRocks.Json;

namespace ActorCdc.Sink.StarRocks.Ddl;

/// <summary>
/// A StarRocks table made to fit one source schema version: which source columns are loaded (all of them, unless
/// <c>sink.schema-change = ignore</c> left some out), how each is encoded, and which are the key.
/// </summary>
internal sealed class TargetTable
{
    public TargetTable(string database, string name, TableSchema schema, EncodedColumn[] columns)
    {
        Database = database;
        Name = name;
        Schema = schema;
        Columns = columns;
        var keys = new List<EncodedColumn>();
        foreach (var c in columns)
            if (c.IsKey) keys.Add(c);
        Keys = keys.ToArray();
    }

    public string Database { get; }
    public string Name { get; }

    /// <summary>The source schema version this description fits.</summary>
    public TableSchema Schema { get; }

    /// <summary>The loaded columns, in source order.</summary>
    public EncodedColumn[] Columns { get; }

    public EncodedColumn[] Keys { get; }

    public bool Fits(TableSchema schema) => ReferenceEquals(Schema, schema) || Schema.SameShapeAs(schema);

    public override string ToString() => $"{Database}.{Name}";
}
