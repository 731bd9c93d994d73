using System.Buffers;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using Parquet;
using Parquet.Schema;

namespace ActorCdc.Sink.Files.Columns;

/// <summary>
/// The columns every file carries after the table's own, buffered like them:
/// <c>__op</c> (insert, update_before, update, delete, truncate), <c>__commit_lsn</c> and <c>__index</c> (the change's
/// position), and <c>__unchanged_toast</c> (names of the columns an update left unchanged, null when none).
/// </summary>
internal sealed class MetadataColumns
{
    public const string OpName = "__op";
    public const string CommitLsnName = "__commit_lsn";
    public const string IndexName = "__index";
    public const string UnchangedToastName = "__unchanged_toast";

    public static readonly ReadOnlyMemory<char> Insert = "insert".AsMemory();
    public static readonly ReadOnlyMemory<char> UpdateBefore = "update_before".AsMemory();
    public static readonly ReadOnlyMemory<char> Update = "update".AsMemory();
    public static readonly ReadOnlyMemory<char> Delete = "delete".AsMemory();
    public static readonly ReadOnlyMemory<char> Truncate = "truncate".AsMemory();

    // Definition levels of the optional list of required names: 0 null list, 2 one name (the list is never empty).
    private const int NullList = 0;
    private const int ListElement = 2;

    private readonly DataField<string> _op = new(OpName, false);
    private readonly DataField<long> _commitLsn = new(CommitLsnName, false);
    private readonly DataField<long> _index = new(IndexName, false);
    private readonly DataField<string> _unchangedElement = new(ListField.ElementName, false);
    private readonly ListField _unchanged;

    private ReadOnlyMemory<char>[] _ops = ArrayPool<ReadOnlyMemory<char>>.Shared.Rent(64);
    private long[] _lsns = ArrayPool<long>.Shared.Rent(64);
    private long[] _indexes = ArrayPool<long>.Shared.Rent(64);
    private int[] _toastDefinitions = ArrayPool<int>.Shared.Rent(64);
    private int[] _toastRepetitions = ArrayPool<int>.Shared.Rent(64);
    private ReadOnlyMemory<char>[] _toastNames = ArrayPool<ReadOnlyMemory<char>>.Shared.Rent(16);
    private int _rows;
    private int _toastLevels;
    private int _toastNameCount;

    public MetadataColumns() => _unchanged = new ListField(UnchangedToastName, _unchangedElement);

    public static bool IsReserved(string name) => name is OpName or CommitLsnName or IndexName or UnchangedToastName;

    public IEnumerable<Field> Fields => [_op, _commitLsn, _index, _unchanged];

    public int Rows => _rows;

    /// <summary>Appends one row's metadata; <paramref name="names"/> are the column names, for the unchanged-TOAST list.</summary>
    public void Append(ReadOnlyMemory<char> op, SourcePosition position, ColumnValue[]? values, string[] names)
    {
        if (_rows == _ops.Length) _ops = PooledArray.Grow(_ops, _rows);
        if (_rows == _lsns.Length) _lsns = PooledArray.Grow(_lsns, _rows);
        if (_rows == _indexes.Length) _indexes = PooledArray.Grow(_indexes, _rows);
        _ops[_rows] = op;
        // LSNs stay below 2^63 for any cluster's lifetime (8 EiB of WAL), so the signed column sorts like the LSN.
        _lsns[_rows] = (long)position.CommitLsn.Value;
        _indexes[_rows] = position.Index;
        _rows++;

        var first = true;
        if (values is not null)
        {
            var n = Math.Min(values.Length, names.Length);
            for (var i = 0; i < n; i++)
            {
                if (values[i].Kind != ValueKind.UnchangedToast) continue;
                AddLevel(ListElement, first ? 0 : 1);
                if (_toastNameCount == _toastNames.Length) _toastNames = PooledArray.Grow(_toastNames, _toastNameCount);
                _toastNames[_toastNameCount++] = names[i].AsMemory();
                first = false;
            }
        }
        if (first) AddLevel(NullList, 0);
    }

    public async Task WriteAsync(ParquetRowGroupWriter rowGroup, CancellationToken cancellationToken)
    {
        await rowGroup.WriteAllPartsAsync(_op, new ReadOnlyMemory<ReadOnlyMemory<char>>(_ops, 0, _rows), null, null, cancellationToken).ConfigureAwait(false);
        await rowGroup.WriteAllPartsAsync(_commitLsn, new ReadOnlyMemory<long>(_lsns, 0, _rows), null, null, cancellationToken).ConfigureAwait(false);
        await rowGroup.WriteAllPartsAsync(_index, new ReadOnlyMemory<long>(_indexes, 0, _rows), null, null, cancellationToken).ConfigureAwait(false);
        await rowGroup.WriteAllPartsAsync(_unchangedElement, new ReadOnlyMemory<ReadOnlyMemory<char>>(_toastNames, 0, _toastNameCount),
            new ReadOnlyMemory<int>(_toastDefinitions, 0, _toastLevels), new ReadOnlyMemory<int>(_toastRepetitions, 0, _toastLevels), cancellationToken).ConfigureAwait(false);
    }

    public void Clear()
    {
        Array.Clear(_ops, 0, _rows);
        Array.Clear(_toastNames, 0, _toastNameCount);
        _rows = 0;
        _toastLevels = 0;
        _toastNameCount = 0;
    }

    public void Release()
    {
        PooledArray.Return(_ops, _rows);
        PooledArray.Return(_lsns, _rows);
        PooledArray.Return(_indexes, _rows);
        PooledArray.Return(_toastDefinitions, _toastLevels);
        PooledArray.Return(_toastRepetitions, _toastLevels);
        PooledArray.Return(_toastNames, _toastNameCount);
        _ops = [];
        _lsns = [];
        _indexes = [];
        _toastDefinitions = [];
        _toastRepetitions = [];
        _toastNames = [];
        _rows = _toastLevels = _toastNameCount = 0;
    }

    private void AddLevel(int definition, int repetition)
    {
        if (_toastLevels == _toastDefinitions.Length) _toastDefinitions = PooledArray.Grow(_toastDefinitions, _toastLevels);
        if (_toastLevels == _toastRepetitions.Length) _toastRepetitions = PooledArray.Grow(_toastRepetitions, _toastLevels);
        _toastDefinitions[_toastLevels] = definition;
        _toastRepetitions[_toastLevels] = repetition;
        _toastLevels++;
    }
}
