namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// A key range <c>[LowInclusive, HighExclusive)</c> of one table; a null bound is open, so the chunks of a table
/// together cover the whole key space, including keys inserted while the backfill runs.
/// </summary>
public sealed record ChunkRange(KeyValue? LowInclusive, KeyValue? HighExclusive)
{
    /// <summary>The whole table: both bounds open.</summary>
    public static readonly ChunkRange All = new(null, null);

    public override string ToString() => $"[{LowInclusive?.ToString() ?? "-inf"}, {HighExclusive?.ToString() ?? "+inf"})";
}
