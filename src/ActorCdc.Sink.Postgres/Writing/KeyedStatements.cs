using System.Text;
using ActorCdc.Sink.Postgres.Target;

namespace ActorCdc.Sink.Postgres.Writing;

/// <summary>
/// The SQL of the copy-merge and multi-row-insert paths for one target table version, built once. The staging table holds the schema's
/// columns plus a group (<see cref="StageGroups"/>), the base key a key change keeps values from, and which slots it keeps.
/// </summary>
internal sealed class KeyedStatements
{
    public const string Stage = "pg_temp.actorcdc_stage";
    private const string Group = "__actorcdc_group";
    private const string Keep = "__actorcdc_keep";

    private readonly TargetTable _table;
    private readonly string _columns;
    private readonly string _conflict;
    private readonly Dictionary<int, string> _multiRowUpserts = [];
    private readonly Dictionary<int, string> _multiRowDeletes = [];
    private readonly Dictionary<string, string> _partialUpdates = new(StringComparer.Ordinal);

    public KeyedStatements(TargetTable table)
    {
        _table = table;
        _columns = string.Join(", ", table.QuotedColumns);
        _conflict = BuildConflict(table);
        CreateStage = BuildCreateStage(table, _columns);
        CopyIntoStage = $"COPY {Stage} ({_columns}, {Group}) FROM STDIN";
        CopyIntoStageWithBase = $"COPY {Stage} ({_columns}, {Group}, {BaseColumns(table)}, {Keep}) FROM STDIN";
        ResolveRebased = BuildResolve(table);
        DeleteFromStage = $"DELETE FROM {table.QuotedName} t USING {Stage} s WHERE s.{Group} = {StageGroups.Removed} AND {KeyMatch(table, "t", "s")}";
        UpsertFromStage = $"INSERT INTO {table.QuotedName} ({_columns}) SELECT {_columns} FROM {Stage} WHERE {Group} = {StageGroups.Full}{_conflict}";
        Truncate = $"TRUNCATE {table.QuotedName}";
    }

    /// <summary>Created with the position lock; dropped at commit. Types come from the target itself.</summary>
    public string CreateStage { get; }
    public string CopyIntoStage { get; }
    public string CopyIntoStageWithBase { get; }

    /// <summary>Fills the kept slots of rebased key changes from the old rows, making them full images (group 0).</summary>
    public string ResolveRebased { get; }

    public string DeleteFromStage { get; }
    public string UpsertFromStage { get; }
    public string Truncate { get; }

    /// <summary>Updates the written columns of a partial group; <paramref name="mask"/> has '1' for a written slot.</summary>
    public string? PartialUpdate(string mask, int group)
    {
        var cacheKey = mask + "/" + group;
        if (_partialUpdates.TryGetValue(cacheKey, out var sql)) return sql.Length == 0 ? null : sql;
        var set = new StringBuilder();
        for (var i = 0; i < _table.ColumnCount; i++)
        {
            if (mask[i] != '1' || _table.Schema.Columns[i].IsKey) continue;
            if (set.Length > 0) set.Append(", ");
            set.Append(_table.QuotedColumns[i]).Append(" = s.").Append(_table.QuotedColumns[i]);
        }
        // Only key columns written: the row already holds them, nothing to do.
        sql = set.Length == 0 ? "" :
            $"UPDATE {_table.QuotedName} t SET {set} FROM {Stage} s WHERE s.{Group} = {group} AND {KeyMatch(_table, "t", "s")}";
        _partialUpdates[cacheKey] = sql;
        return sql.Length == 0 ? null : sql;
    }

    /// <summary><c>INSERT ... VALUES</c> of <paramref name="rows"/> rows of untyped parameters, which take the columns' types.</summary>
    public string MultiRowUpsert(int rows)
    {
        if (_multiRowUpserts.TryGetValue(rows, out var sql)) return sql;
        var text = new StringBuilder($"INSERT INTO {_table.QuotedName} ({_columns}) VALUES ");
        var n = 1;
        for (var r = 0; r < rows; r++)
        {
            text.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < _table.ColumnCount; c++) text.Append(c == 0 ? "$" : ", $").Append(n++);
            text.Append(')');
        }
        text.Append(_conflict);
        return _multiRowUpserts[rows] = text.ToString();
    }

    /// <summary><c>DELETE ... USING (VALUES ...)</c> of <paramref name="rows"/> keys, parameters cast to the key types.</summary>
    public string MultiRowDelete(int rows)
    {
        if (_multiRowDeletes.TryGetValue(rows, out var sql)) return sql;
        var keys = _table.KeyIndexes;
        var text = new StringBuilder($"DELETE FROM {_table.QuotedName} t USING (VALUES ");
        var n = 1;
        for (var r = 0; r < rows; r++)
        {
            text.Append(r == 0 ? "(" : ", (");
            for (var k = 0; k < keys.Length; k++)
                text.Append(k == 0 ? "$" : ", $").Append(n++).Append("::").Append(_table.BaseTypes[keys[k]]);
            text.Append(')');
        }
        text.Append(") AS s (");
        for (var k = 0; k < keys.Length; k++) text.Append(k == 0 ? "" : ", ").Append(_table.QuotedColumns[keys[k]]);
        text.Append(") WHERE ").Append(KeyMatch(_table, "t", "s"));
        return _multiRowDeletes[rows] = text.ToString();
    }

    private static string BuildConflict(TargetTable table)
    {
        var keys = new StringBuilder();
        var set = new StringBuilder();
        for (var i = 0; i < table.ColumnCount; i++)
        {
            if (table.Schema.Columns[i].IsKey)
            {
                keys.Append(keys.Length == 0 ? "" : ", ").Append(table.QuotedColumns[i]);
                continue;
            }
            set.Append(set.Length == 0 ? "" : ", ").Append(table.QuotedColumns[i]).Append(" = EXCLUDED.").Append(table.QuotedColumns[i]);
        }
        return set.Length == 0 ? $" ON CONFLICT ({keys}) DO NOTHING" : $" ON CONFLICT ({keys}) DO UPDATE SET {set}";
    }

    private static string BuildCreateStage(TargetTable table, string columns)
    {
        var baseColumns = new StringBuilder();
        for (var k = 0; k < table.KeyIndexes.Length; k++)
            baseColumns.Append(", ").Append(table.QuotedColumns[table.KeyIndexes[k]]).Append(" AS ").Append(BaseColumn(k));
        // CTAS copies the target's column types but not its NOT NULL constraints: kept slots stage as null.
        return $"CREATE TEMP TABLE actorcdc_stage ON COMMIT DROP AS SELECT {columns}, 0 AS {Group}{baseColumns}, " +
               $"NULL::boolean[] AS {Keep} FROM {table.QuotedName} WITH NO DATA";
    }

    private static string BuildResolve(TargetTable table)
    {
        var set = new StringBuilder();
        for (var i = 0; i < table.ColumnCount; i++)
        {
            if (table.Schema.Columns[i].IsKey) continue;
            var c = table.QuotedColumns[i];
            set.Append(c).Append(" = CASE WHEN s.").Append(Keep).Append('[').Append(i + 1).Append("] THEN t.").Append(c)
               .Append(" ELSE s.").Append(c).Append(" END, ");
        }
        var match = new StringBuilder();
        for (var k = 0; k < table.KeyIndexes.Length; k++)
            match.Append(" AND t.").Append(table.QuotedColumns[table.KeyIndexes[k]]).Append(" = s.").Append(BaseColumn(k));
        return $"UPDATE {Stage} s SET {set}{Group} = {StageGroups.Full} FROM {table.QuotedName} t WHERE s.{Group} = {StageGroups.Rebased}{match}";
    }

    private static string BaseColumns(TargetTable table)
    {
        var names = new string[table.KeyIndexes.Length];
        for (var k = 0; k < names.Length; k++) names[k] = BaseColumn(k);
        return string.Join(", ", names);
    }

    private static string BaseColumn(int k) => "__actorcdc_base_" + k;

    private static string KeyMatch(TargetTable table, string left, string right)
    {
        var match = new StringBuilder();
        foreach (var k in table.KeyIndexes)
        {
            if (match.Length > 0) match.Append(" AND ");
            match.Append(left).Append('.').Append(table.QuotedColumns[k]).Append(" = ").Append(right).Append('.').Append(table.QuotedColumns[k]);
        }
        return match.ToString();
    }
}
