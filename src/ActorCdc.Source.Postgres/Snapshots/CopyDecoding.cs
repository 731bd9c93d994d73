namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// How <see cref="ChunkReader"/> turns the binary COPY into rows. <see cref="Export"/> is the default; the others stay
/// so that ChunkReaderFigures can measure them against it in the same run.
/// </summary>
internal enum CopyDecoding : byte
{
    /// <summary><c>BeginRawBinaryCopy</c> parsed by <see cref="BinaryCopyDecoder"/> with synchronous reads.</summary>
    Raw,

    /// <summary>The same with asynchronous reads.</summary>
    RawAsync,

    /// <summary><c>BeginBinaryExport</c> with synchronous <c>Read&lt;string&gt;</c>.</summary>
    Export,

    /// <summary><c>BeginBinaryExport</c> with asynchronous reads.</summary>
    ExportAsync,
}
