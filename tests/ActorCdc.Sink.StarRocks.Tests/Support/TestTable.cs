using ActorCdc.Core.Schema;

namespace ActorCdc.Sink.StarRocks.Tests.Support;

/// <summary>Builds source schemas from short specs such as <c>"id bigint key"</c>, <c>"tags text[]"</c>, <c>"mood mood enum"</c>.</summary>
public static class TestTable
{
    public static TableSchema Create(string table, params string[] columns)
    {
        var list = new List<ColumnSchema>();
        foreach (var spec in columns)
        {
            var parts = spec.Split(' ', 2);
            var type = parts[1];
            var isKey = type.EndsWith(" key", StringComparison.Ordinal);
            if (isKey) type = type[..^4];
            var kind = 'b';
            if (type.EndsWith(" enum", StringComparison.Ordinal))
            {
                type = type[..^5];
                kind = 'e';
            }
            var column = new ColumnSchema(parts[0], 0, -1, type, kind, isKey);
            if (type.EndsWith("[]", StringComparison.Ordinal)) column = column with { ElementTypeKind = 'b' };
            list.Add(column);
        }
        return new TableSchema(TableId.Parse(table), 1, list, ReplicaIdentity.Default);
    }
}
