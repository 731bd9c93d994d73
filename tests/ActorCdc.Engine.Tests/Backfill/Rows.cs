using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Backfill;

namespace ActorCdc.Engine.Tests.Backfill;

/// <summary>Builders for the backfill tests: a table (id key, v, t toastable), its rows and its streamed changes.</summary>
internal static class Rows
{
    public static readonly TableSchema Table = Schema(ReplicaIdentity.Default);
    public static readonly TableSchema FullTable = Schema(ReplicaIdentity.Full);

    public static readonly ColumnValue U = ColumnValue.UnchangedToast;
    public static readonly ColumnValue A = ColumnValue.Absent;
    public static readonly ColumnValue N = ColumnValue.Null;

    public static TableSchema Schema(ReplicaIdentity identity, bool extraColumn = false)
    {
        var columns = new List<ColumnSchema>
        {
            new("id", 23, -1, "integer", 'b', true),
            new("v", 25, -1, "text", 'b', false),
            new("t", 25, -1, "text", 'b', false),
        };
        if (extraColumn) columns.Add(new ColumnSchema("w", 25, -1, "text", 'b', false));
        return new TableSchema(new TableId("public", "t"), 16384, columns, identity);
    }

    public static ColumnValue V(string text) => ColumnValue.FromText(text);

    public static ColumnValue[] Row(string id, string v, string t) => [V(id), V(v), V(t)];
    public static ColumnValue[] Row(string id, ColumnValue v, ColumnValue t) => [V(id), v, t];
    public static ColumnValue[] Key(string id) => [V(id), A, A];

    public static SourcePosition P(ulong lsn, long index = 0) => new(new Lsn(lsn), index);

    public static StreamedChange Ins(ulong lsn, uint xid, ColumnValue[] row, long index = 0, TableSchema? schema = null) =>
        new(new RowChange(ChangeKind.Insert, P(lsn, index), row, null), xid, schema ?? Table);

    public static StreamedChange Upd(ulong lsn, uint xid, ColumnValue[] @new, ColumnValue[]? old = null, long index = 0, TableSchema? schema = null) =>
        new(new RowChange(ChangeKind.Update, P(lsn, index), @new, old), xid, schema ?? Table);

    public static StreamedChange Del(ulong lsn, uint xid, ColumnValue[] old, long index = 0, TableSchema? schema = null) =>
        new(new RowChange(ChangeKind.Delete, P(lsn, index), null, old), xid, schema ?? Table);

    public static StreamedChange Trunc(ulong lsn, uint xid, long index = 0) =>
        new(new RowChange(ChangeKind.Truncate, P(lsn, index), null, null), xid, Table);

    /// <summary>Rows as <c>id|v|t</c> strings, for readable assertions.</summary>
    public static string[] Render(IReadOnlyList<RowChange> changes)
    {
        var result = new string[changes.Count];
        for (var i = 0; i < changes.Count; i++) result[i] = Render(changes[i].New!);
        return result;
    }

    public static string Render(ColumnValue[] row) => string.Join("|", row.Select(v => v.ToString()));
}
