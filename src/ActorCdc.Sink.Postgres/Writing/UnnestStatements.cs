using System.Text;
using ActorCdc.Sink.Postgres.Target;

namespace ActorCdc.Sink.Postgres.Writing;

/// <summary>
/// The SQL of the unnest path for one target table version: every statement reads its rows from
/// <c>unnest($1::text[], ...)</c>, one text array per column, and casts each value to the column's type on the server.
/// Kept slots are flagged in a text mask per row ('1' = keep the sink's value).
/// </summary>
internal sealed class UnnestStatements
{
    public UnnestStatements(TargetTable table)
    {
        var columns = string.Join(", ", table.QuotedColumns);
        var all = new string[table.ColumnCount];
        for (var i = 0; i < all.Length; i++) all[i] = "c" + i;
        var allArrays = Arrays(1, all.Length);
        var conflict = Conflict(table);

        Upsert = $"INSERT INTO {table.QuotedName} ({columns}) SELECT {Values(table, keepFrom: null)} " +
                 $"FROM unnest({allArrays}) AS s({string.Join(", ", all)}){conflict}";

        var keys = new string[table.KeyIndexes.Length];
        for (var k = 0; k < keys.Length; k++) keys[k] = "c" + table.KeyIndexes[k];
        Delete = $"DELETE FROM {table.QuotedName} t USING unnest({Arrays(1, keys.Length)}) AS s({string.Join(", ", keys)}) WHERE {KeyMatch(table, "c")}";

        var set = new StringBuilder();
        for (var i = 0; i < table.ColumnCount; i++)
        {
            if (table.Schema.Columns[i].IsKey) continue;
            set.Append(set.Length == 0 ? "" : ", ").Append(table.QuotedColumns[i]).Append(" = ").Append(KeptOrNew(table, i));
        }
        UpdatePartial = set.Length == 0 ? null :
            $"UPDATE {table.QuotedName} t SET {set} FROM unnest({allArrays}, ${all.Length + 1}::text[]) AS s({string.Join(", ", all)}, keep) " +
            $"WHERE {KeyMatch(table, "c")}";

        var bases = new string[table.KeyIndexes.Length];
        for (var k = 0; k < bases.Length; k++) bases[k] = "b" + table.KeyIndexes[k];
        InsertRebased =
            $"INSERT INTO {table.QuotedName} ({columns}) SELECT {Values(table, keepFrom: "t")} " +
            $"FROM unnest({allArrays}, ${all.Length + 1}::text[], {Arrays(all.Length + 2, bases.Length)}) AS s({string.Join(", ", all)}, keep, {string.Join(", ", bases)}) " +
            $"JOIN {table.QuotedName} t ON {KeyMatch(table, "b")}{conflict}";
    }

    /// <summary>Full images: one array per column.</summary>
    public string Upsert { get; }

    /// <summary>Removed keys: one array per key column.</summary>
    public string Delete { get; }

    /// <summary>Partial images of their own key: one array per column, then the keep masks; null when every column is a key.</summary>
    public string? UpdatePartial { get; }

    /// <summary>Key changes keeping slots of the old key's row: one array per column, the keep masks, then one array per key column of the old key.</summary>
    public string InsertRebased { get; }

    private static string Values(TargetTable table, string? keepFrom)
    {
        var values = new StringBuilder();
        for (var i = 0; i < table.ColumnCount; i++)
        {
            if (i > 0) values.Append(", ");
            if (keepFrom is null || table.Schema.Columns[i].IsKey) values.Append("s.c").Append(i).Append("::").Append(table.BaseTypes[i]);
            else values.Append(KeptOrNew(table, i));
        }
        return values.ToString();
    }

    private static string KeptOrNew(TargetTable table, int i) =>
        $"CASE WHEN substr(s.keep, {i + 1}, 1) = '1' THEN t.{table.QuotedColumns[i]} ELSE s.c{i}::{table.BaseTypes[i]} END";

    /// <summary>Joins target rows <c>t</c> to the arrays' key columns named <paramref name="prefix"/> + column index.</summary>
    private static string KeyMatch(TargetTable table, string prefix)
    {
        var match = new StringBuilder();
        foreach (var k in table.KeyIndexes)
        {
            if (match.Length > 0) match.Append(" AND ");
            match.Append("t.").Append(table.QuotedColumns[k]).Append(" = s.").Append(prefix).Append(k).Append("::").Append(table.BaseTypes[k]);
        }
        return match.ToString();
    }

    private static string Conflict(TargetTable table)
    {
        var keys = new StringBuilder();
        var set = new StringBuilder();
        for (var i = 0; i < table.ColumnCount; i++)
        {
            if (table.Schema.Columns[i].IsKey) keys.Append(keys.Length == 0 ? "" : ", ").Append(table.QuotedColumns[i]);
            else set.Append(set.Length == 0 ? "" : ", ").Append(table.QuotedColumns[i]).Append(" = EXCLUDED.").Append(table.QuotedColumns[i]);
        }
        return set.Length == 0 ? $" ON CONFLICT ({keys}) DO NOTHING" : $" ON CONFLICT ({keys}) DO UPDATE SET {set}";
    }

    private static string Arrays(int first, int count)
    {
        var arrays = new StringBuilder();
        for (var i = 0; i < count; i++) arrays.Append(i == 0 ? "$" : ", $").Append(first + i).Append("::text[]");
        return arrays.ToString();
    }
}
