using System.Buffers;
using System.Runtime.CompilerServices;
using ActorCdc.Core.Changes;
using Parquet;
using Parquet.Schema;

namespace ActorCdc.Sink.Files.Columns;

/// <summary>
/// A nullable source column: the non-null values packed in one array and a definition level per row (1 value, 0 null),
/// handed to Parquet.Net as they are.
/// </summary>
internal abstract class NullableColumnBuffer<T> : ColumnBuffer where T : struct
{
    private T[] _values = ArrayPool<T>.Shared.Rent(InitialCapacity);
    private int[] _definitions = ArrayPool<int>.Shared.Rent(InitialCapacity);
    private int _count;

    protected NullableColumnBuffer(DataField field) : base(field)
    {
    }

    /// <summary>Parses PostgreSQL's text of a value; false when the column cannot hold it exactly.</summary>
    protected abstract bool TryParse(string text, out T value);

    public sealed override bool TryAppend(in ColumnValue value)
    {
        if (value.Kind != ValueKind.Text)
        {
            AppendNull();
            return true;
        }
        if (!TryParse(value.Text!, out var parsed)) return false;
        if (_count == _values.Length) _values = PooledArray.Grow(_values, _count);
        if (Rows == _definitions.Length) _definitions = PooledArray.Grow(_definitions, Rows);
        _values[_count++] = parsed;
        _definitions[Rows++] = 1;
        return true;
    }

    public sealed override void AppendNull()
    {
        if (Rows == _definitions.Length) _definitions = PooledArray.Grow(_definitions, Rows);
        _definitions[Rows++] = 0;
    }

    public sealed override void RemoveLast()
    {
        Rows--;
        if (_definitions[Rows] == 1)
        {
            _count--;
            _values[_count] = default;
        }
    }

    public sealed override Task WriteAsync(ParquetRowGroupWriter rowGroup, CancellationToken cancellationToken) =>
        rowGroup.WriteAllPartsAsync(Field, new ReadOnlyMemory<T>(_values, 0, _count), new ReadOnlyMemory<int>(_definitions, 0, Rows), null, cancellationToken);

    public sealed override void Clear()
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>()) Array.Clear(_values, 0, _count);
        _count = 0;
        Rows = 0;
    }

    public sealed override void Release()
    {
        PooledArray.Return(_values, _count);
        PooledArray.Return(_definitions, Rows);
        _values = [];
        _definitions = [];
        _count = 0;
        Rows = 0;
    }
}
