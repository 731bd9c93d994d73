namespace ActorCdc.Core.Changes;

/// <summary>
/// One column of a captured row, in PostgreSQL's own text representation so that nothing is rounded or
/// reformatted between source and sink (DESIGN.md §2 "Values").
/// </summary>
public readonly struct ColumnValue : IEquatable<ColumnValue>
{
    private ColumnValue(ValueKind kind, string? text)
    {
        Kind = kind;
        Text = text;
    }

    public static readonly ColumnValue Null = new(ValueKind.Null, null);
    public static readonly ColumnValue UnchangedToast = new(ValueKind.UnchangedToast, null);
    public static readonly ColumnValue Absent = new(ValueKind.Absent, null);

    public static ColumnValue FromText(string text) => new(ValueKind.Text, text);

    public ValueKind Kind { get; }

    /// <summary>The text form when <see cref="Kind"/> is <see cref="ValueKind.Text"/>.</summary>
    public string? Text { get; }

    public bool IsPresent => Kind is ValueKind.Text or ValueKind.Null;

    public bool Equals(ColumnValue other) => Kind == other.Kind && string.Equals(Text, other.Text, StringComparison.Ordinal);
    public override bool Equals(object? obj) => obj is ColumnValue v && Equals(v);
    public override int GetHashCode() => HashCode.Combine(Kind, Text);
    public static bool operator ==(ColumnValue a, ColumnValue b) => a.Equals(b);
    public static bool operator !=(ColumnValue a, ColumnValue b) => !a.Equals(b);

    public override string ToString() => Kind switch
    {
        ValueKind.Text => Text!,
        ValueKind.Null => "NULL",
        ValueKind.UnchangedToast => "<unchanged toast>",
        _ => "<absent>",
    };
}
