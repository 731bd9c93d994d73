using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Sink.StarRocks.Tests.Support;

/// <summary>
/// Writes changes of one table at increasing positions (one transaction per <see cref="Commit"/>) and keeps the state
/// the sink should end with, row by row, in PostgreSQL text form.
/// </summary>
public sealed class ChangeScript(TableSchema schema, ulong startLsn = 0x1000)
{
    /// <summary>Marks a value the update leaves unchanged (TOAST).</summary>
    public static readonly object Toast = new();

    private readonly List<RowChange> _pending = [];
    private readonly Dictionary<string, string?[]> _expected = new(StringComparer.Ordinal);
    private ulong _lsn = startLsn;
    private long _index;

    public TableSchema Schema { get; private set; } = schema;

    /// <summary>Changes written since the last <see cref="Take"/>.</summary>
    public IReadOnlyList<RowChange> Pending => _pending;

    public ChangeScript Insert(params object?[] values)
    {
        var row = Row(values);
        _pending.Add(new RowChange(ChangeKind.Insert, Next(), row, null));
        _expected[Key(row)] = Texts(row);
        return this;
    }

    /// <summary>An update of the row with the same key; <see cref="Toast"/> leaves a value unchanged.</summary>
    public ChangeScript Update(params object?[] values)
    {
        var row = Row(values);
        _pending.Add(new RowChange(ChangeKind.Update, Next(), row, null));
        var key = Key(row);
        var before = _expected.TryGetValue(key, out var b) ? b : new string?[Schema.Columns.Count];
        var after = Texts(row);
        for (var i = 0; i < after.Length; i++)
            if (row[i].Kind == ValueKind.UnchangedToast) after[i] = before[i];
        _expected[key] = after;
        return this;
    }

    /// <summary>An update that moves the row from <paramref name="oldKey"/> to the key in <paramref name="values"/>.</summary>
    public ChangeScript UpdateKey(object[] oldKey, params object?[] values)
    {
        var row = Row(values);
        var old = KeyRow(oldKey);
        _pending.Add(new RowChange(ChangeKind.Update, Next(), row, old));
        var before = _expected.TryGetValue(Key(old), out var b) ? b : new string?[Schema.Columns.Count];
        _expected.Remove(Key(old));
        var after = Texts(row);
        for (var i = 0; i < after.Length; i++)
            if (row[i].Kind == ValueKind.UnchangedToast) after[i] = null;
        _ = before;
        _expected[Key(row)] = after;
        return this;
    }

    /// <summary>An update carrying the full old row (REPLICA IDENTITY FULL), which fills unchanged TOAST values.</summary>
    public ChangeScript UpdateWithOld(object?[] oldValues, params object?[] values)
    {
        var row = Row(values);
        var old = Row(oldValues);
        _pending.Add(new RowChange(ChangeKind.Update, Next(), row, old));
        var after = Texts(row);
        var oldTexts = Texts(old);
        for (var i = 0; i < after.Length; i++)
            if (row[i].Kind == ValueKind.UnchangedToast) after[i] = oldTexts[i];
        _expected.Remove(Key(old));
        _expected[Key(row)] = after;
        return this;
    }

    public ChangeScript Delete(params object[] key)
    {
        var old = KeyRow(key);
        _pending.Add(new RowChange(ChangeKind.Delete, Next(), null, old));
        _expected.Remove(Key(old));
        return this;
    }

    public ChangeScript Truncate()
    {
        _pending.Add(new RowChange(ChangeKind.Truncate, Next(), null, null));
        _expected.Clear();
        return this;
    }

    /// <summary>Ends the transaction: the next change gets the next commit LSN.</summary>
    public ChangeScript Commit()
    {
        _lsn += 0x100;
        _index = 0;
        return this;
    }

    /// <summary>Switches to a new schema version; expected rows get NULL for new columns and lose dropped ones.</summary>
    public ChangeScript Evolve(TableSchema schema)
    {
        var map = new Dictionary<string, string?[]>(StringComparer.Ordinal);
        foreach (var (key, row) in _expected)
        {
            var next = new string?[schema.Columns.Count];
            for (var i = 0; i < schema.Columns.Count; i++)
            {
                var old = Index(Schema, schema.Columns[i].Name);
                next[i] = old >= 0 ? row[old] : null;
            }
            map[key] = next;
        }
        _expected.Clear();
        foreach (var (k, v) in map) _expected[k] = v;
        Schema = schema;
        return this;
    }

    /// <summary>Hands out the pending changes and forgets them.</summary>
    public IReadOnlyList<RowChange> Take()
    {
        var changes = _pending.ToList();
        _pending.Clear();
        return changes;
    }

    /// <summary>The expected rows, in PostgreSQL text, keyed by column name.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string?>> Expected()
    {
        var rows = new List<IReadOnlyDictionary<string, string?>>();
        foreach (var row in _expected.Values)
        {
            var d = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (var i = 0; i < Schema.Columns.Count; i++) d[Schema.Columns[i].Name] = row[i];
            rows.Add(d);
        }
        return rows;
    }

    private SourcePosition Next() => new(new Lsn(_lsn), _index++);

    private ColumnValue[] Row(object?[] values)
    {
        if (values.Length != Schema.Columns.Count) throw new ArgumentException($"expected {Schema.Columns.Count} values, got {values.Length}");
        var row = new ColumnValue[values.Length];
        for (var i = 0; i < values.Length; i++)
            row[i] = values[i] switch
            {
                null => ColumnValue.Null,
                var t when ReferenceEquals(t, Toast) => ColumnValue.UnchangedToast,
                string s => ColumnValue.FromText(s),
                IFormattable f => ColumnValue.FromText(f.ToString(null, System.Globalization.CultureInfo.InvariantCulture)),
                var o => ColumnValue.FromText(o.ToString()!),
            };
        return row;
    }

    private ColumnValue[] KeyRow(object[] key)
    {
        var row = new ColumnValue[Schema.Columns.Count];
        for (var i = 0; i < row.Length; i++) row[i] = ColumnValue.Absent;
        for (var k = 0; k < Schema.KeyIndexes.Length; k++)
            row[Schema.KeyIndexes[k]] = ColumnValue.FromText(Convert.ToString(key[k], System.Globalization.CultureInfo.InvariantCulture)!);
        return row;
    }

    private string Key(ColumnValue[] row) => string.Join("\u0001", Schema.KeyIndexes.Select(k => row[k].Text));

    private static string?[] Texts(ColumnValue[] row) => row.Select(v => v.Text).ToArray();

    private static int Index(TableSchema schema, string name)
    {
        for (var i = 0; i < schema.Columns.Count; i++)
            if (schema.Columns[i].Name == name) return i;
        return -1;
    }
}
