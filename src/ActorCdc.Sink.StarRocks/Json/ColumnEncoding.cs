namespace ActorCdc.Sink.StarRocks.Json;

/// <summary>How a PostgreSQL text value becomes a JSON value in a Stream Load body (see <see cref="PgValueWriter"/>).</summary>
internal enum ColumnEncoding : byte
{
    /// <summary>The text as a JSON string.</summary>
    String = 0,
    /// <summary>An integer as a JSON number.</summary>
    Integer,
    /// <summary>real / double precision as a JSON number; NaN and ±Infinity are unrepresentable.</summary>
    Float,
    /// <summary>numeric as a JSON number when it has at most 15 significant digits (exact as a double), else a string.</summary>
    Decimal,
    /// <summary>t/f as true/false.</summary>
    Boolean,
    /// <summary>timestamp as <c>yyyy-MM-dd HH:mm:ss.ffffff</c>.</summary>
    Timestamp,
    /// <summary>timestamptz converted to UTC as <c>yyyy-MM-dd HH:mm:ss.ffffff</c>.</summary>
    TimestampTz,
    /// <summary>date as <c>yyyy-MM-dd</c>.</summary>
    Date,
    /// <summary>json / jsonb embedded as JSON.</summary>
    Json,
    /// <summary>A PostgreSQL array literal as a JSON array of its elements, each encoded by the element encoding.</summary>
    Array,
}
