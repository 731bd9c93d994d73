namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// One column of a <see cref="TableKey"/>: its name, its type (<c>format_type</c> with modifier, used to cast key
/// literals) and its index into the table's column order (attnum order without dropped or generated columns).
/// </summary>
public sealed record KeyColumn(string Name, uint TypeOid, string TypeName, int ColumnIndex);
