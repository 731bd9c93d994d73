using ActorCdc.Core.Schema;

namespace ActorCdc.Sink.Files.Columns;

/// <summary>
/// Chooses a typed Parquet column where the conversion from PostgreSQL's text is exact, and a string column holding the
/// exact text for everything else (unconstrained numeric, interval, json, arrays, uuid, bytea, time, money, enums...).
/// </summary>
internal static class ParquetTypeMapping
{
    // pg_type OIDs of the built-in types mapped to typed columns.
    public const uint Bool = 16;
    public const uint Int8 = 20;
    public const uint Int2 = 21;
    public const uint Int4 = 23;
    public const uint Text = 25;
    public const uint Float4 = 700;
    public const uint Float8 = 701;
    public const uint Varchar = 1043;
    public const uint Date = 1082;
    public const uint Timestamp = 1114;
    public const uint TimestampTz = 1184;
    public const uint Numeric = 1700;

    /// <summary>Parquet DECIMAL holds at most 38 digits in 16 bytes; readers (Spark, Trino) agree on that bound.</summary>
    public const int MaxDecimalPrecision = 38;

    /// <summary>System.Decimal holds any 28-digit number exactly.</summary>
    public const int MaxSystemDecimalPrecision = 28;

    public static ColumnMapping For(ColumnSchema column, bool forceString)
    {
        if (forceString) return new ColumnMapping(column.Name, ColumnKind.String);
        return column.TypeOid switch
        {
            Bool => new ColumnMapping(column.Name, ColumnKind.Boolean),
            Int2 => new ColumnMapping(column.Name, ColumnKind.Int16),
            Int4 => new ColumnMapping(column.Name, ColumnKind.Int32),
            Int8 => new ColumnMapping(column.Name, ColumnKind.Int64),
            Float4 => new ColumnMapping(column.Name, ColumnKind.Float),
            Float8 => new ColumnMapping(column.Name, ColumnKind.Double),
            Date => new ColumnMapping(column.Name, ColumnKind.Date),
            TimestampTz => new ColumnMapping(column.Name, ColumnKind.TimestampUtc),
            Timestamp => new ColumnMapping(column.Name, ColumnKind.TimestampLocal),
            Numeric => ForNumeric(column),
            _ => new ColumnMapping(column.Name, ColumnKind.String),
        };
    }

    /// <summary>True when the mapping can meet a value it cannot hold (the lossless fallback may apply).</summary>
    public static bool MayBeUnrepresentable(ColumnKind kind) =>
        kind is ColumnKind.Decimal or ColumnKind.WideDecimal or ColumnKind.Date or ColumnKind.TimestampUtc or ColumnKind.TimestampLocal;

    private static ColumnMapping ForNumeric(ColumnSchema column)
    {
        // Unconstrained numeric (typmod -1) has no fixed scale: only its text is exact.
        if (column.TypeModifier < 4) return new ColumnMapping(column.Name, ColumnKind.String);
        var packed = column.TypeModifier - 4;
        var precision = (packed >> 16) & 0xFFFF;
        // PostgreSQL 15 stores the scale as an 11-bit signed number (numeric(2,-3) and numeric(3,5) are legal).
        var scale = ((packed & 0x7FF) ^ 1024) - 1024;
        if (precision < 1 || precision > MaxDecimalPrecision || scale < 0 || scale > precision)
            return new ColumnMapping(column.Name, ColumnKind.String);
        var kind = precision <= MaxSystemDecimalPrecision ? ColumnKind.Decimal : ColumnKind.WideDecimal;
        return new ColumnMapping(column.Name, kind, precision, scale);
    }
}
