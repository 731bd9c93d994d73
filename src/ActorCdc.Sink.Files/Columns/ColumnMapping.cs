namespace ActorCdc.Sink.Files.Columns;

/// <summary>How one source column is written: its name, the chosen representation and, for decimals, precision and scale.</summary>
internal readonly record struct ColumnMapping(string Name, ColumnKind Kind, int Precision = 0, int Scale = 0);
