using ActorCdc.Core.Changes;
using Parquet;
using Parquet.Schema;

namespace ActorCdc.Sink.Files.Columns;

/// <summary>
/// The rows of one column buffered for the next row group of an open file. Values stay in typed arrays rented from the
/// shared pool, so encoding a row allocates nothing.
/// </summary>
internal abstract class ColumnBuffer
{
    protected const int InitialCapacity = 64;

    protected ColumnBuffer(DataField field) => Field = field;

    /// <summary>The Parquet field this buffer writes; belongs to one file's schema.</summary>
    public DataField Field { get; }

    /// <summary>Rows buffered since the last row group.</summary>
    public int Rows { get; protected set; }

    /// <summary>Appends one row's value; false, with nothing appended, when the text is a value the column cannot hold.</summary>
    public abstract bool TryAppend(in ColumnValue value);

    public abstract void AppendNull();

    /// <summary>Takes back the last appended row (another column of the same row could not be appended).</summary>
    public abstract void RemoveLast();

    /// <summary>Writes the buffered rows as this column's chunk of <paramref name="rowGroup"/>.</summary>
    public abstract Task WriteAsync(ParquetRowGroupWriter rowGroup, CancellationToken cancellationToken);

    /// <summary>Forgets the buffered rows, keeping the arrays for the next row group.</summary>
    public abstract void Clear();

    /// <summary>Returns the arrays to the pool; the buffer is not used afterwards.</summary>
    public abstract void Release();
}
