using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Sink.Files.Tests.Support;

/// <summary>Builders of schemas, positions and changes, values given as PostgreSQL text (null for SQL NULL).</summary>
public static class Rows
{
    public const uint Bool = 16, Bytea = 17, Int8 = 20, Int2 = 21, Int4 = 23, Text = 25, Float4 = 700, Float8 = 701,
        Int4Array = 1007, Varchar = 1043, Date = 1082, Timestamp = 1114, TimestampTz = 1184, Interval = 1186, Numeric = 1700,
        Uuid = 2950, Jsonb = 3802;

    /// <summary>The type modifier pgoutput reports for numeric(p,s).</summary>
    public static int NumericModifier(int precision, int scale) => ((precision << 16) | (scale & 0x7FF)) + 4;

    public static ColumnSchema Column(string name, uint oid, string typeName, bool key = false, int modifier = -1) =>
        new(name, oid, modifier, typeName, 'b', key);

    public static TableSchema Schema(string table, params ColumnSchema[] columns) =>
        new(TableId.Parse(table), 1, columns, ReplicaIdentity.Default);

    /// <summary>Position n of a test stream: commit LSN 0/1000+n*16, index in transaction <paramref name="index"/>.</summary>
    public static SourcePosition At(long n, long index = 0) => new(new Lsn(0x1_0000_0000UL + (ulong)n * 16), index);

    public static ColumnValue V(string? text) => text is null ? ColumnValue.Null : ColumnValue.FromText(text);

    public static ColumnValue[] Values(params string?[] texts)
    {
        var values = new ColumnValue[texts.Length];
        for (var i = 0; i < texts.Length; i++) values[i] = V(texts[i]);
        return values;
    }

    public static RowChange Insert(SourcePosition at, params string?[] values) => new(ChangeKind.Insert, at, Values(values), null);

    public static RowChange Update(SourcePosition at, ColumnValue[] @new, ColumnValue[]? old = null) => new(ChangeKind.Update, at, @new, old);

    public static RowChange Delete(SourcePosition at, ColumnValue[] old) => new(ChangeKind.Delete, at, null, old);

    public static RowChange Truncate(SourcePosition at) => new(ChangeKind.Truncate, at, null, null);
}
