namespace ActorCdc.Sink.Files.Columns;

/// <summary>The Parquet representation chosen for one source column.</summary>
internal enum ColumnKind : byte
{
    /// <summary>UTF-8 string holding PostgreSQL's exact text.</summary>
    String,
    Boolean,
    Int16,
    Int32,
    Int64,
    Float,
    Double,
    /// <summary>DECIMAL(p,s) with p ≤ 28, held as System.Decimal.</summary>
    Decimal,
    /// <summary>DECIMAL(p,s) with 28 &lt; p ≤ 38, held as an unscaled big integer.</summary>
    WideDecimal,
    /// <summary>DATE (days since 1970-01-01).</summary>
    Date,
    /// <summary>TIMESTAMP(MICROS, isAdjustedToUTC = true).</summary>
    TimestampUtc,
    /// <summary>TIMESTAMP(MICROS, isAdjustedToUTC = false): wall-clock time without zone.</summary>
    TimestampLocal,
}
