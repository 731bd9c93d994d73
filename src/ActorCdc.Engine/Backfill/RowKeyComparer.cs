using ActorCdc.Core.Changes;

namespace ActorCdc.Engine.Backfill;

/// <summary>
/// Compares rows by their key columns only, exactly (kind and ordinal text), so a full row, a new image and a delete's
/// key-only old tuple of the same key are equal and no separate key object is allocated per row.
/// </summary>
internal sealed class RowKeyComparer : IEqualityComparer<ColumnValue[]>
{
    private readonly int[] _keyIndexes;

    public RowKeyComparer(int[] keyIndexes)
    {
        if (keyIndexes.Length == 0) throw new ArgumentException("A key comparer needs at least one key column.", nameof(keyIndexes));
        _keyIndexes = keyIndexes;
    }

    public bool Equals(ColumnValue[]? x, ColumnValue[]? y)
    {
        if (ReferenceEquals(x, y)) return true;
        if (x is null || y is null) return false;
        foreach (var i in _keyIndexes)
            if (!x[i].Equals(y[i])) return false;
        return true;
    }

    public int GetHashCode(ColumnValue[] row)
    {
        var h = new HashCode();
        foreach (var i in _keyIndexes)
            h.Add(row[i]);
        return h.ToHashCode();
    }

    /// <summary>True when every key column holds a value (text or NULL), so the row can be located.</summary>
    public bool HasKey(ColumnValue[] row)
    {
        foreach (var i in _keyIndexes)
            if (!row[i].IsPresent) return false;
        return true;
    }
}
