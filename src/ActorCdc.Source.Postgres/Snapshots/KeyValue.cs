namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// The values of a key's columns as PostgreSQL's text output prints them, in <see cref="TableKey.Columns"/> order; they
/// go back into SQL as quoted literals cast to the column types, so they round-trip exactly.
/// </summary>
/// <remarks>
/// A value is never NULL: primary-key columns are NOT NULL, and PostgreSQL accepts REPLICA IDENTITY USING INDEX only
/// for a unique index over NOT NULL columns (and then refuses DROP NOT NULL on them). A plain unique index over
/// nullable columns is never used as a key; such a table needs REPLICA IDENTITY FULL (one-pass read). Should a NULL
/// key still be read, <see cref="ChunkSplitter.NextChunkAsync"/> fails instead of producing a bound that row
/// comparison could never match.
/// </remarks>
public sealed class KeyValue : IEquatable<KeyValue>
{
    private readonly string[] _values;

    public KeyValue(params string[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0) throw new ArgumentException("a key value needs at least one column value", nameof(values));
        foreach (var v in values)
            if (v is null) throw new ArgumentException("key column values are never NULL (see KeyValue remarks)", nameof(values));
        _values = (string[])values.Clone();
    }

    /// <summary>One text value per key column.</summary>
    public IReadOnlyList<string> Values => _values;

    public bool Equals(KeyValue? other)
    {
        if (other is null || other._values.Length != _values.Length) return false;
        for (var i = 0; i < _values.Length; i++)
            if (!string.Equals(_values[i], other._values[i], StringComparison.Ordinal)) return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is KeyValue k && Equals(k);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var v in _values) hash.Add(v, StringComparer.Ordinal);
        return hash.ToHashCode();
    }

    public static bool operator ==(KeyValue? a, KeyValue? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(KeyValue? a, KeyValue? b) => !(a == b);

    public override string ToString() => "(" + string.Join(", ", _values) + ")";
}
