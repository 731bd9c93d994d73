namespace ActorCdc.StarRocksDouble.Loads;

/// <summary>
/// A loaded row after parsing and conversion: upsert or delete, the stored texts in the table's column order at parse
/// time (<see cref="Shape"/>), and for a partial update the ordinals it sets.
/// </summary>
internal sealed record ParsedRow(bool Delete, string?[] Values, string[] Shape, int[]? PartialColumns);
