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

    /// <summary>Rough size in bytes, for flow-control budgets.</summary>
    public int ApproximateBytes
    {
        get
        {
            var n = 32;
            if (New is not null) foreach (var v in New) n += 8 + (v.Text?.Length ?? 0);
            if (Old is not null) foreach (var v in Old) n += 8 + (v.Text?.Length ?? 0);
            return n;
        }
    }

    public override string ToString() => $"{Kind}@{Position}";
}
