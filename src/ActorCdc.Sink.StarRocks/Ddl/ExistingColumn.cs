namespace ActorCdc.Sink.StarRocks.Ddl;

/// <summary>A column of an existing StarRocks table as information_schema.COLUMNS describes it.</summary>
internal sealed record ExistingColumn(string Name, string ColumnType, bool IsNullable, bool IsKey, string? Comment);
