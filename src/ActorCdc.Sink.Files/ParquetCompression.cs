namespace ActorCdc.Sink.Files;

/// <summary>Page compression of the Parquet files (HOCON <c>sink.compression</c>).</summary>
public enum ParquetCompression
{
    None,
    Snappy,
    Gzip,
    Zstd,
    /// <summary>LZ4 without framing (Parquet's <c>LZ4_RAW</c>), the one readers agree on.</summary>
    Lz4,
    Brotli,
}
