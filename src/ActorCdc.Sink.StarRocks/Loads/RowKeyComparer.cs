using ActorCdc.Core.Changes;

namespace ActorCdc.Sink.StarRocks.Loads;

/// <summary>Compares row images by their key slots only, so a dictionary can track which group holds a key.</summary>
internal sealed class RowKeyComparer : IEqualityComparer<ColumnValue[]>
{
    private int[] _keys = [];

    public void Use(int[] keySourceIndexes) => _keys = keySourceIndexes;

    public bool Equals(ColumnValue[]? x, ColumnValue[]? y)
    {
        if (ReferenceEquals(x, y)) return true;
        if (x is null || y is null) return false;
        foreach (var k in _keys)
            if (!x[k].Equals(y[k])) return false;
        return true;
    }

    public int GetHashCode(ColumnValue[] row)
    {
        var hash = new HashCode();
        foreach (var k in _keys) hash.Add(row[k].Text is { } t ? string.GetHashCode(t.AsSpan()) : 0);
        return hash.ToHashCode();
    }
}
