using System.Globalization;
using System.Numerics;

namespace ActorCdc.StarRocksDouble.Catalog;

/// <summary>
/// An in-memory Primary Key table: ordered columns (key first) and rows by key, each row an array of stored texts in
/// column order (compact, so that a million rows do not drown the test process in GC work). Upserts replace a row,
/// partial updates change the listed columns of a row (inserting it with NULLs elsewhere when new), deletes remove it.
/// Callers hold the double's lock.
/// </summary>
public sealed class DoubleTable
{
    private readonly Dictionary<string, string?[]> _rows = new(StringComparer.Ordinal);
    private int[] _keyOrdinals = [];

    public DoubleTable(string database, string name, IReadOnlyList<DoubleColumn> columns, IReadOnlyDictionary<string, string> properties)
    {
        Database = database;
        Name = name;
        Columns = columns.ToList();
        Properties = properties;
        Reshape();
    }

    public string Database { get; }
    public string Name { get; }
    public List<DoubleColumn> Columns { get; }
    public IReadOnlyDictionary<string, string> Properties { get; }
    public int RowCount => _rows.Count;

    /// <summary>The column names in order; a new array after every schema change, so rows parsed before one can be told apart.</summary>
    public string[] Shape { get; private set; } = [];

    public IReadOnlyList<DoubleColumn> Keys { get; private set; } = [];

    public DoubleColumn? Column(string name) => Columns.Find(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    public int Ordinal(string name) => Columns.FindIndex(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Replaces the row with the key of <paramref name="values"/> (in <see cref="Shape"/> order).</summary>
    public void Upsert(string?[] values) => _rows[KeyOf(values)] = values;

    /// <summary>Sets the <paramref name="listed"/> ordinals of the row with this key; a new key becomes a row with defaults elsewhere.</summary>
    public void PartialUpdate(string?[] values, int[] listed)
    {
        var key = KeyOf(values);
        if (!_rows.TryGetValue(key, out var row))
        {
            var fresh = new string?[Columns.Count];
            for (var i = 0; i < fresh.Length; i++) fresh[i] = Columns[i].Default;
            foreach (var k in _keyOrdinals) fresh[k] = values[k];
            foreach (var i in listed) fresh[i] = values[i];
            _rows[key] = fresh;
            return;
        }
        foreach (var i in listed) row[i] = values[i];
    }

    public void Delete(string?[] key) => _rows.Remove(KeyOf(key));

    public void Truncate() => _rows.Clear();

    public void AddColumn(DoubleColumn column)
    {
        Columns.Add(column);
        foreach (var key in _rows.Keys.ToList())
        {
            var row = _rows[key];
            Array.Resize(ref row, Columns.Count);
            row[^1] = column.Default;
            _rows[key] = row;
        }
        Reshape();
    }

    public void DropColumn(string name)
    {
        var ordinal = Ordinal(name);
        Columns.RemoveAt(ordinal);
        foreach (var key in _rows.Keys.ToList())
        {
            var row = _rows[key];
            _rows[key] = [.. row[..ordinal], .. row[(ordinal + 1)..]];
        }
        Reshape();
    }

    public void ModifyColumn(DoubleColumn column)
    {
        var i = Ordinal(column.Name);
        Columns[i] = column with { IsKey = Columns[i].IsKey };
        Reshape();
    }

    /// <summary>Values parsed against an older <see cref="Shape"/>, moved to the current one by name.</summary>
    public string?[] Reorder(string[] shape, string?[] values, out int[] moved)
    {
        var result = new string?[Columns.Count];
        var map = new int[shape.Length];
        for (var i = 0; i < result.Length; i++) result[i] = Columns[i].Default;
        for (var i = 0; i < shape.Length; i++)
        {
            map[i] = Ordinal(shape[i]);
            if (map[i] >= 0) result[map[i]] = values[i];
        }
        moved = map;
        return result;
    }

    /// <summary>A copy of the rows as name → value, ordered by key (numerically for integer keys).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string?>> Snapshot()
    {
        var rows = new List<IReadOnlyDictionary<string, string?>>(_rows.Count);
        foreach (var values in _rows.Values)
        {
            var row = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < Columns.Count; i++) row[Columns[i].Name] = values[i];
            rows.Add(row);
        }
        rows.Sort((a, b) =>
        {
            foreach (var k in Keys)
            {
                var x = a[k.Name];
                var y = b[k.Name];
                int c;
                if (k.Type.Kind is "TINYINT" or "SMALLINT" or "INT" or "BIGINT" or "LARGEINT" && x is not null && y is not null)
                    c = BigInteger.Parse(x, CultureInfo.InvariantCulture).CompareTo(BigInteger.Parse(y, CultureInfo.InvariantCulture));
                else c = string.CompareOrdinal(x, y);
                if (c != 0) return c;
            }
            return 0;
        });
        return rows;
    }

    private string KeyOf(string?[] values)
    {
        if (_keyOrdinals.Length == 1) return values[_keyOrdinals[0]] ?? "\u0000";
        var sb = new System.Text.StringBuilder();
        foreach (var k in _keyOrdinals) sb.Append(values[k] ?? "\u0000").Append('\u0001');
        return sb.ToString();
    }

    private void Reshape()
    {
        Shape = Columns.Select(c => c.Name).ToArray();
        Keys = Columns.Where(c => c.IsKey).ToList();
        _keyOrdinals = Columns.Select((c, i) => (c, i)).Where(x => x.c.IsKey).Select(x => x.i).ToArray();
    }
}
