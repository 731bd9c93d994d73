using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Sink.Postgres.Tests.Support;

/// <summary>
/// Writes changes of one table as a source would send them: each change gets the next index inside the current
/// transaction; <see cref="Commit"/> moves on to the next commit LSN.
/// </summary>
internal sealed class ChangeScript(TableSchema schema, ulong firstLsn = 0x1000)
{
    private readonly List<RowChange> _changes = [];
    private ulong _lsn = firstLsn;
    private long _index;

    public TableSchema Schema => schema;
    public SourcePosition Last => _changes.Count == 0 ? SourcePosition.Start : _changes[^1].Position;

    public ChangeScript Insert(params object?[] values) => Add(ChangeKind.Insert, Row.Of(values), null);

    public ChangeScript Update(params object?[] values) => Add(ChangeKind.Update, Row.Of(values), null);

    /// <summary>An update that changes the key: <paramref name="oldKey"/> lists the key values only.</summary>
    public ChangeScript UpdateKey(object?[] oldKey, params object?[] values) => Add(ChangeKind.Update, Row.Of(values), KeyRow(oldKey));

    /// <summary>An update of a REPLICA IDENTITY FULL table, with the whole old row.</summary>
    public ChangeScript UpdateFull(object?[] oldRow, params object?[] values) => Add(ChangeKind.Update, Row.Of(values), Row.Of(oldRow));

    /// <summary>A delete sending only the key values (other slots absent).</summary>
    public ChangeScript Delete(params object?[] key) => Add(ChangeKind.Delete, null, KeyRow(key));

    /// <summary>A delete of a REPLICA IDENTITY FULL table, with the whole old row.</summary>
    public ChangeScript DeleteFull(params object?[] oldRow) => Add(ChangeKind.Delete, null, Row.Of(oldRow));

    public ChangeScript Truncate() => Add(ChangeKind.Truncate, null, null);

    public ChangeScript Commit()
    {
        _lsn += 0x100;
        _index = 0;
        return this;
    }

    /// <summary>The changes written since the last call, and their end position.</summary>
    public List<RowChange> Take()
    {
        var taken = new List<RowChange>(_changes);
        _changes.Clear();
        return taken;
    }

    private ChangeScript Add(ChangeKind kind, ColumnValue[]? @new, ColumnValue[]? old)
    {
        _changes.Add(new RowChange(kind, new SourcePosition(new Lsn(_lsn), _index++), @new, old));
        return this;
    }

    private ColumnValue[] KeyRow(object?[] key)
    {
        var values = Row.Of(key);
        var row = new ColumnValue[schema.Columns.Count];
        Array.Fill(row, ColumnValue.Absent);
        for (var k = 0; k < schema.KeyIndexes.Length; k++) row[schema.KeyIndexes[k]] = values[k];
        return row;
    }
}
