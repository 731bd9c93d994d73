using ActorCdc.Core.Failures;
using ActorCdc.Sink.Files.Configuration;
using Akka.Configuration;

namespace ActorCdc.Sink.Files;

/// <summary>
/// Settings of a Parquet file sink, built from a pipeline's <c>sink</c> HOCON block (defaults in the embedded
/// reference.conf) and validated on construction.
/// </summary>
public sealed class ParquetSinkSettings
{
    public const long DefaultRollMaxBytes = 128L * 1024 * 1024;
    public const int DefaultMaxOpenWriters = 64;
    public const long DefaultRowGroupMaxBytes = 8L * 1024 * 1024;
    public const string DefaultStagingPrefix = "_staging";
    public static readonly TimeSpan DefaultRollMaxAge = TimeSpan.FromMinutes(5);

    public ParquetSinkSettings(
        string path,
        long rollMaxBytes = DefaultRollMaxBytes,
        TimeSpan? rollMaxAge = null,
        int maxOpenWriters = DefaultMaxOpenWriters,
        ParquetPartitioning partitionBy = ParquetPartitioning.CommitDate,
        string stagingPrefix = DefaultStagingPrefix,
        ParquetCompression compression = ParquetCompression.Snappy,
        ParquetUnrepresentablePolicy unrepresentable = ParquetUnrepresentablePolicy.StringColumn,
        long rowGroupMaxBytes = DefaultRowGroupMaxBytes,
        string? localDirectory = null)
    {
        Path = ValidatePath(path);
        if (rollMaxBytes < 1024)
            throw SinkConfigReader.Invalid("roll.max-bytes", rollMaxBytes.ToString(), "a size of at least 1KiB, such as 128MiB");
        var age = rollMaxAge ?? DefaultRollMaxAge;
        if (age <= TimeSpan.Zero)
            throw SinkConfigReader.Invalid("roll.max-age", age.ToString(), "a positive duration such as 5m");
        if (maxOpenWriters < 1)
            throw SinkConfigReader.Invalid("max-open-writers", maxOpenWriters.ToString(), "an integer of at least 1, such as 64");
        if (rowGroupMaxBytes < 1024)
            throw SinkConfigReader.Invalid("row-group-max-bytes", rowGroupMaxBytes.ToString(), "a size of at least 1KiB, such as 8MiB");
        RollMaxBytes = rollMaxBytes;
        RollMaxAge = age;
        MaxOpenWriters = maxOpenWriters;
        PartitionBy = partitionBy;
        StagingPrefix = ValidateStagingPrefix(stagingPrefix);
        Compression = compression;
        Unrepresentable = unrepresentable;
        RowGroupMaxBytes = rowGroupMaxBytes;
        LocalDirectory = string.IsNullOrWhiteSpace(localDirectory) ? System.IO.Path.GetTempPath() : localDirectory;
    }

    /// <summary>Where files go (<c>sink.path</c>): a <c>file:///</c> or <c>s3://</c> URI the node resolves to an object store.</summary>
    public string Path { get; }

    /// <summary>A file is rolled when it reaches this size (<c>sink.roll.max-bytes</c>).</summary>
    public long RollMaxBytes { get; }

    /// <summary>A file is rolled when it has been open this long (<c>sink.roll.max-age</c>).</summary>
    public TimeSpan RollMaxAge { get; }

    /// <summary>Files open at once over all tables and partitions of the sink (<c>sink.max-open-writers</c>).</summary>
    public int MaxOpenWriters { get; }

    /// <summary>How files are grouped into <c>dt=</c> directories (<c>sink.partition-by</c>).</summary>
    public ParquetPartitioning PartitionBy { get; }

    /// <summary>Folder under <see cref="Path"/> where files wait for their checkpoint (<c>sink.staging-prefix</c>).</summary>
    public string StagingPrefix { get; }

    /// <summary>Page compression (<c>sink.compression</c>).</summary>
    public ParquetCompression Compression { get; }

    /// <summary>What becomes of a value a typed column cannot hold (<c>sink.unrepresentable</c>).</summary>
    public ParquetUnrepresentablePolicy Unrepresentable { get; }

    /// <summary>Buffered bytes of one open file before they are written as a row group (<c>sink.row-group-max-bytes</c>).</summary>
    public long RowGroupMaxBytes { get; }

    /// <summary>Directory for files being written (<c>sink.local-dir</c>; the system temp directory by default).</summary>
    public string LocalDirectory { get; }

    /// <summary>Reads the keys of a pipeline's <c>sink</c> block; throws a fatal <see cref="CdcException"/> naming a bad key.</summary>
    public static ParquetSinkSettings FromConfig(Config sink)
    {
        var c = SinkConfigReader.WithDefaults(sink);
        var partitionText = c.String("partition-by");
        var partitionBy = partitionText switch
        {
            "commit-date" => ParquetPartitioning.CommitDate,
            "processing-date" => ParquetPartitioning.ProcessingDate,
            "none" => ParquetPartitioning.None,
            _ => throw SinkConfigReader.Invalid("partition-by", partitionText, "commit-date, processing-date or none"),
        };
        var compressionText = c.String("compression");
        var compression = compressionText switch
        {
            "none" or "uncompressed" => ParquetCompression.None,
            "snappy" => ParquetCompression.Snappy,
            "gzip" => ParquetCompression.Gzip,
            "zstd" => ParquetCompression.Zstd,
            "lz4" => ParquetCompression.Lz4,
            "brotli" => ParquetCompression.Brotli,
            _ => throw SinkConfigReader.Invalid("compression", compressionText, "none, snappy, gzip, zstd, lz4 or brotli"),
        };
        var unrepresentableText = c.String("unrepresentable");
        var unrepresentable = unrepresentableText switch
        {
            "string-column" => ParquetUnrepresentablePolicy.StringColumn,
            "null" => ParquetUnrepresentablePolicy.Null,
            "fail" => ParquetUnrepresentablePolicy.Fail,
            _ => throw SinkConfigReader.Invalid("unrepresentable", unrepresentableText, "string-column, null or fail"),
        };
        return new ParquetSinkSettings(
            c.String("path"),
            c.Bytes("roll.max-bytes", 1024, long.MaxValue, "128MiB"),
            c.Duration("roll.max-age", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            c.Int("max-open-writers", 1, 100_000),
            partitionBy,
            c.String("staging-prefix"),
            compression,
            unrepresentable,
            c.Bytes("row-group-max-bytes", 1024, 1L << 30, "8MiB"),
            c.String("local-dir"));
    }

    private static string ValidatePath(string path)
    {
        const string Expected = "a file:/// or s3:// URI such as \"s3://lake/cdc\" or \"file:///var/lib/actorcdc/lake\"";
        if (string.IsNullOrWhiteSpace(path)) throw SinkConfigReader.Invalid("path", null, Expected);
        if (!Uri.TryCreate(path, UriKind.Absolute, out var uri)) throw SinkConfigReader.Invalid("path", path, Expected);
        var ok = uri.Scheme switch
        {
            // file://host/x would name a network share the node cannot reach through a local path.
            "file" => path.StartsWith("file:///", StringComparison.Ordinal) && uri.AbsolutePath.Length > 1,
            "s3" => uri.Host.Length > 0,
            _ => false,
        };
        if (!ok) throw SinkConfigReader.Invalid("path", path, Expected);
        return path;
    }

    private static string ValidateStagingPrefix(string prefix)
    {
        // Spark, Trino, Hive and DuckDB skip names starting with _ or ., so staged files never show up as table data.
        const string Expected = "one folder name starting with _ or . (letters, digits, _ . -), such as _staging";
        if (string.IsNullOrEmpty(prefix) || (prefix[0] != '_' && prefix[0] != '.') || prefix is "." or "..")
            throw SinkConfigReader.Invalid("staging-prefix", prefix, Expected);
        foreach (var ch in prefix)
            if (!(char.IsAsciiLetterOrDigit(ch) || ch is '_' or '.' or '-'))
                throw SinkConfigReader.Invalid("staging-prefix", prefix, Expected);
        return prefix;
    }
}
