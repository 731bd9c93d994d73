using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Sink.Files.Columns;
using Parquet;
using Parquet.Schema;

namespace ActorCdc.Sink.Files.Writing;

/// <summary>
/// One open Parquet file of one table partition, written to a local file: rows are buffered per column and written as
/// a row group when the buffer is full. Used by its table sink, or closed by the writer pool when evicted; both hold
/// <see cref="Gate"/> while they touch it.
/// </summary>
internal sealed class PartWriter
{
    private readonly ColumnBuffer[] _buffers;
    private readonly MetadataColumns _metadata;
    private readonly FileStream _stream;
    private readonly ParquetWriter _writer;
    private long _bufferedBytes;

    private PartWriter(ParquetTableSink owner, string partition, FileLayout layout, string localPath, DateTimeOffset openedAt,
        ColumnBuffer[] buffers, MetadataColumns metadata, FileStream stream, ParquetWriter writer)
    {
        Owner = owner;
        Partition = partition;
        Layout = layout;
        LocalPath = localPath;
        OpenedAt = openedAt;
        _buffers = buffers;
        _metadata = metadata;
        _stream = stream;
        _writer = writer;
    }

    public ParquetTableSink Owner { get; }
    public string Partition { get; }
    public FileLayout Layout { get; }
    public string LocalPath { get; }
    public DateTimeOffset OpenedAt { get; }

    /// <summary>Held by whoever appends to or closes the file: its table sink, or the pool evicting it.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>This writer's place in the pool's least-recently-used list; only the pool touches it, under its lock.</summary>
    public LinkedListNode<PartWriter>? PoolNode { get; set; }

    /// <summary>Closed (sealed, abandoned or failed): the table sink must open a new file for this partition.</summary>
    public bool IsClosed { get; private set; }

    public SourcePosition First { get; private set; }
    public SourcePosition Last { get; private set; }
    public long Rows { get; private set; }

    /// <summary>Bytes of buffered rows not yet written as a row group (approximate: text as UTF-16, 8 bytes a scalar).</summary>
    public long BufferedBytes => _bufferedBytes;

    /// <summary>What the file would weigh if closed now, erring high: bytes written plus buffered bytes uncompressed.</summary>
    public long EstimatedSize => _stream.Position + _bufferedBytes;

    public static async Task<PartWriter> CreateAsync(ParquetTableSink owner, string partition, FileLayout layout, string localPath,
        ParquetOptions options, DateTimeOffset openedAt)
    {
        var (buffers, metadata, schema) = layout.CreateFile();
        var stream = new FileStream(localPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        try
        {
            var writer = await ParquetWriter.CreateAsync(schema, stream, options).ConfigureAwait(false);
            writer.CustomMetadata = layout.Metadata;
            return new PartWriter(owner, partition, layout, localPath, openedAt, buffers, metadata, stream, writer);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            File.Delete(localPath);
            foreach (var b in buffers) b.Release();
            metadata.Release();
            throw;
        }
    }

    /// <summary>
    /// Appends one row; returns -1, or the index of the first column whose text its typed column cannot hold (nothing is
    /// appended then), unless <paramref name="nullWhenUnrepresentable"/> writes such values as null.
    /// </summary>
    public int TryAppend(ReadOnlyMemory<char> op, SourcePosition position, ColumnValue[]? values, bool nullWhenUnrepresentable)
    {
        long bytes = 48;
        for (var c = 0; c < _buffers.Length; c++)
        {
            var value = values is not null && c < values.Length ? values[c] : ColumnValue.Null;
            if (!_buffers[c].TryAppend(value))
            {
                if (nullWhenUnrepresentable)
                {
                    _buffers[c].AppendNull();
                }
                else
                {
                    for (var j = 0; j < c; j++) _buffers[j].RemoveLast();
                    return c;
                }
            }
            bytes += value.Text is { } text ? 8 + 2L * text.Length : 8;
        }
        _metadata.Append(op, position, values, Layout.Names);
        if (Rows == 0) First = position;
        Last = position;
        Rows++;
        _bufferedBytes += bytes;
        return -1;
    }

    /// <summary>Writes the buffered rows as one row group.</summary>
    public async Task FlushRowGroupAsync()
    {
        if (_metadata.Rows == 0) return;
        // Local writes are never cancelled halfway: a half-written row group would break the file.
        using (var rowGroup = _writer.CreateRowGroup())
        {
            foreach (var buffer in _buffers) await buffer.WriteAsync(rowGroup, CancellationToken.None).ConfigureAwait(false);
            await _metadata.WriteAsync(rowGroup, CancellationToken.None).ConfigureAwait(false);
            rowGroup.CompleteValidate();
        }
        foreach (var buffer in _buffers) buffer.Clear();
        _metadata.Clear();
        _bufferedBytes = 0;
    }

    /// <summary>Writes what is buffered and the footer, closes the file and returns it as a sealed part.</summary>
    public async Task<SealedPart> CloseAsync()
    {
        try
        {
            await FlushRowGroupAsync().ConfigureAwait(false);
            await _writer.DisposeAsync().ConfigureAwait(false);
            var bytes = _stream.Length;
            await _stream.DisposeAsync().ConfigureAwait(false);
            return new SealedPart(LocalPath, Partition, First, Last, Rows, bytes);
        }
        catch
        {
            await AbandonAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            MarkClosed();
        }
    }

    /// <summary>Drops the file and its buffered rows (a failed write, or the table sink starting over from a checkpoint).</summary>
    public async Task AbandonAsync()
    {
        if (IsClosed) return;
        MarkClosed();
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            File.Delete(LocalPath);
        }
    }

    private void MarkClosed()
    {
        if (IsClosed) return;
        IsClosed = true;
        foreach (var buffer in _buffers) buffer.Release();
        _metadata.Release();
    }
}
