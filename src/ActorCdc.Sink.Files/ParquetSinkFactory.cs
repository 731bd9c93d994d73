using System.Globalization;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Core.Storage;
using ActorCdc.Sink.Files.Writing;
using Parquet;

namespace ActorCdc.Sink.Files;

/// <summary>
/// Creates the table sinks of one pipeline's Parquet sink; owns the bound on open files shared by all its tables and
/// the local directory where files are written before they are staged.
/// </summary>
public sealed class ParquetSinkFactory : ISinkFactory, IAsyncDisposable
{
    private readonly object _localGate = new();
    private bool _localReady;

    /// <param name="pipeline">The pipeline's name: staged files of its tables live under <c>&lt;staging-prefix&gt;/&lt;pipeline&gt;/</c>.</param>
    /// <param name="settings">The <c>sink</c> block.</param>
    /// <param name="store">Where <c>sink.path</c> points, resolved by the node (a directory or an S3 prefix).</param>
    /// <param name="timeProvider">Clock for roll ages and processing dates; the system clock by default.</param>
    /// <param name="commitTimeOf">
    /// The commit time (UTC) of the transaction committed at an LSN, when the engine knows it, for
    /// <c>partition-by = commit-date</c>; without it, or when it returns null, the date the change reached the sink is used.
    /// </param>
    public ParquetSinkFactory(string pipeline, ParquetSinkSettings settings, IObjectStore store, TimeProvider? timeProvider = null,
        Func<Lsn, DateTime?>? commitTimeOf = null)
    {
        if (string.IsNullOrWhiteSpace(pipeline)) throw new ArgumentException("A pipeline name is required.", nameof(pipeline));
        Pipeline = pipeline;
        Settings = settings;
        Store = store;
        Time = timeProvider ?? TimeProvider.System;
        CommitTimeOf = commitTimeOf;
        Writers = new OpenWriterPool(settings.MaxOpenWriters);
        InstanceId = Guid.NewGuid().ToString("N")[..12];
        LocalDirectory = Path.Combine(settings.LocalDirectory, "actorcdc-parquet", $"{pipeline}-{InstanceId}");
        ParquetOptions = new ParquetOptions
        {
            CompressionMethod = settings.Compression switch
            {
                ParquetCompression.None => CompressionMethod.None,
                ParquetCompression.Gzip => CompressionMethod.Gzip,
                ParquetCompression.Zstd => CompressionMethod.Zstd,
                ParquetCompression.Lz4 => CompressionMethod.Lz4Raw,
                ParquetCompression.Brotli => CompressionMethod.Brotli,
                _ => CompressionMethod.Snappy,
            },
        };
    }

    public string Pipeline { get; }
    public ParquetSinkSettings Settings { get; }
    public IObjectStore Store { get; }

    /// <summary>Files open now over every table of this sink (never above <c>sink.max-open-writers</c>).</summary>
    public int OpenWriters => Writers.Count;

    /// <summary>Most files open at once since the sink started.</summary>
    public int PeakOpenWriters => Writers.Peak;

    /// <summary>Files closed early to make room for another table's or partition's file.</summary>
    public long EvictedWriters => Writers.Evictions;

    internal OpenWriterPool Writers { get; }
    internal TimeProvider Time { get; }
    internal Func<Lsn, DateTime?>? CommitTimeOf { get; }
    internal ParquetOptions ParquetOptions { get; }

    /// <summary>Distinguishes this sink's staged files from those of an earlier or lingering instance.</summary>
    internal string InstanceId { get; }

    /// <summary>This instance's own directory for files being written; deleted on dispose.</summary>
    internal string LocalDirectory { get; }

    /// <summary>Proves that the local directory is writable and that the store takes, returns and deletes an object.</summary>
    public async Task ValidateAsync(CancellationToken cancellationToken)
    {
        try
        {
            var probe = NewLocalPath();
            await File.WriteAllBytesAsync(probe, [1], cancellationToken).ConfigureAwait(false);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CdcException.Fatal($"The Parquet sink cannot write files in {Settings.LocalDirectory} ({e.Message}); set sink.local-dir to a writable directory.", e);
        }
        var key = $"{Settings.StagingPrefix}/_probe-{InstanceId}";
        var content = System.Text.Encoding.UTF8.GetBytes(DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        try
        {
            await Store.PutAsync(key, content, cancellationToken).ConfigureAwait(false);
            var back = await Store.GetAsync(key, cancellationToken).ConfigureAwait(false);
            await Store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            if (back is null || !back.AsSpan().SequenceEqual(content))
                throw CdcException.Fatal($"The Parquet sink wrote {key} to {Store.Location} but read back something else; check that sink.path points to a consistent store.");
        }
        catch (Exception e) when (e is not CdcException and not OperationCanceledException)
        {
            throw CdcException.Fatal($"The Parquet sink cannot write to {Store.Location} ({e.Message}); check sink.path and the store's credentials.", e);
        }
    }

    public ITableSink CreateTableSink(TableId source, TableId target) => new ParquetTableSink(this, source, target);

    public ValueTask DisposeAsync()
    {
        try
        {
            if (Directory.Exists(LocalDirectory)) Directory.Delete(LocalDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a table sink that was not disposed; the directory is this instance's own, so it is
            // only litter in the temp directory.
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>A fresh path for a file being written, in this instance's local directory.</summary>
    internal string NewLocalPath()
    {
        if (!_localReady)
        {
            lock (_localGate)
            {
                Directory.CreateDirectory(LocalDirectory);
                _localReady = true;
            }
        }
        return Path.Combine(LocalDirectory, Guid.NewGuid().ToString("N") + ".parquet");
    }
}
