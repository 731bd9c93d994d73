namespace ActorCdc.StarRocksDouble.Catalog;

/// <summary>A column of a table in the double: name, type, nullability, whether it is in the primary key, comment.</summary>
public sealed record DoubleColumn(string Name, DoubleType Type, bool Nullable, bool IsKey, string? Comment, string? Default = null);
