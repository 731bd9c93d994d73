using ActorCdc.Core.Schema;

namespace ActorCdc.Sink.Postgres.Tests.Support;

/// <summary>Hand-built table schemas: columns as "name type" with a trailing " key" for key columns.</summary>
internal static class TestSchemas
{
    public static TableSchema Table(string table, params string[] columns) => Table(TableId.Parse(table), ReplicaIdentity.Default, columns);

    public static TableSchema Keyless(string table, params string[] columns) => Table(TableId.Parse(table), ReplicaIdentity.Full, columns);

    public static TableSchema Table(TableId table, ReplicaIdentity identity, params string[] columns)
    {
        var list = new List<ColumnSchema>();
        foreach (var spec in columns)
        {
            var isKey = spec.EndsWith(" key", StringComparison.Ordinal);
            var text = isKey ? spec[..^4] : spec;
            var space = text.IndexOf(' ');
            list.Add(new ColumnSchema(text[..space], 0, -1, text[(space + 1)..], 'b', isKey));
        }
        return new TableSchema(table, 16384, list, identity);
    }
}
