using ActorCdc.Core.Schema;

namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// The key a table is chunked by: its columns in index order (the order <c>ORDER BY</c> and row comparisons use, so
/// the index serves them), or none for <see cref="KeyKind.FullRowNoKey"/>.
/// </summary>
public sealed class TableKey : IEquatable<TableKey>
{
    public TableKey(TableId table, KeyKind kind, IReadOnlyList<KeyColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(columns);
        if ((kind == KeyKind.FullRowNoKey) != (columns.Count == 0))
            throw new ArgumentException($"a {kind} key of {table} cannot have {columns.Count} columns", nameof(columns));
        Table = table;
        Kind = kind;
        Columns = columns.ToArray();
    }

    public TableId Table { get; }
    public KeyKind Kind { get; }

    /// <summary>Key columns in index order; empty for <see cref="KeyKind.FullRowNoKey"/>.</summary>
    public IReadOnlyList<KeyColumn> Columns { get; }

    /// <summary>True when the table can be read in key-range chunks, each resumable on its own.</summary>
    public bool IsChunkable => Kind != KeyKind.FullRowNoKey;

    public bool Equals(TableKey? other)
    {
        if (other is null || !Table.Equals(other.Table) || Kind != other.Kind || Columns.Count != other.Columns.Count) return false;
        for (var i = 0; i < Columns.Count; i++)
            if (!Columns[i].Equals(other.Columns[i])) return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is TableKey k && Equals(k);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Table);
        hash.Add(Kind);
        foreach (var c in Columns) hash.Add(c);
        return hash.ToHashCode();
    }

    public override string ToString() =>
        Kind == KeyKind.FullRowNoKey ? $"{Table} (no key, REPLICA IDENTITY FULL)" : $"{Table} {Kind} ({string.Join(", ", Columns.Select(c => c.Name))})";
}
