using ActorCdc.Core.Positions;

namespace ActorCdc.Core.Changes;

/// <summary>
/// One captured change of one row, at its position. Column slots follow the table schema's column order.
/// <list type="bullet">
/// <item>Insert: <see cref="New"/> is the row.</item>
/// <item>Update: <see cref="New"/> is the new row (unchanged TOAST values marked); <see cref="Old"/> is the old key or
///   old row when the source sent one (the key changed, or REPLICA IDENTITY FULL), otherwise null.</item>
/// <item>Delete: <see cref="Old"/> holds the key (other columns <see cref="ValueKind.Absent"/>) or the full old row.</item>
/// <item>Truncate: neither.</item>
/// </list>
/// </summary>
public sealed class RowChange
{
    public RowChange(ChangeKind kind, SourcePosition position, ColumnValue[]? @new, ColumnValue[]? old)
    {
        Kind = kind;
        Position = position;
        New = @new;
        Old = old;
    }

    public ChangeKind Kind { get; }
    public SourcePosition Position { get; }
    public ColumnValue[]? New { get; }
    public ColumnValue[]? Old { get; }

    /// <summary>
    /// Approximate managed memory the change holds, for flow-control budgets: the object, its value arrays (16 bytes a
    /// slot) and its strings (UTF-16 plus a header), so that a budget in bytes bounds the heap it stands for.
    /// </summary>
    public int ApproximateBytes
    {
        get
        {
            var n = 48;
            if (New is not null) n += SizeOf(New);
            if (Old is not null) n += SizeOf(Old);
            return n;
        }
    }

    private static int SizeOf(ColumnValue[] values)
    {
        var n = 24 + 16 * values.Length;
        foreach (var v in values)
            if (v.Text is { } t) n += 22 + 2 * t.Length;
        return n;
    }

    public override string ToString() => $"{Kind}@{Position}";
}
