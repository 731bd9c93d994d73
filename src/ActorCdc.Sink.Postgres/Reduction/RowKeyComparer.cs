using ActorCdc.Core.Changes;

namespace ActorCdc.Sink.Postgres.Reduction;

/// <summary>Compares rows (new images, old keys, old rows: all in schema column order) by their key columns' text.</summary>
internal sealed class RowKeyComparer(int[] keyIndexes) : IEqualityComparer<ColumnValue[]>
{
    public int[] KeyIndexes { get; } = keyIndexes;

    public bool Equals(ColumnValue[]? x, ColumnValue[]? y)
    {
        if (ReferenceEquals(x, y)) return true;
        if (x is null || y is null) return false;
        foreach (var k in KeyIndexes)
            if (!x[k].Equals(y[k])) return false;
        return true;
    }

    public int GetHashCode(ColumnValue[] row)
    {
        var hash = new HashCode();
        foreach (var k in KeyIndexes) hash.Add(row[k]);
        return hash.ToHashCode();
    }
}
