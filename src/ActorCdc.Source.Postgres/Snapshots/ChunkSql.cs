using System.Text;
using ActorCdc.Core.Schema;

namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// The SQL of key ranges: <c>(k1, k2) &gt;= (lit, lit) AND (k1, k2) &lt; (lit, lit)</c>. A row comparison orders
/// composite keys lexicographically with each column's default btree operators, the same order as
/// <c>ORDER BY k1, k2</c>, and a btree index on (k1, k2) serves both.
/// </summary>
internal static class ChunkSql
{
    /// <summary>The key columns, quoted, in index order: for ORDER BY and the left side of comparisons.</summary>
    public static string KeyColumns(TableKey key)
    {
        var sql = new StringBuilder();
        AppendColumns(sql, key);
        return sql.ToString();
    }

    /// <summary>The WHERE condition of a range; <c>TRUE</c> when both bounds are open.</summary>
    public static string Predicate(TableKey key, KeyValue? lowInclusive, KeyValue? highExclusive)
    {
        if (lowInclusive is null && highExclusive is null) return "TRUE";
        var sql = new StringBuilder();
        if (lowInclusive is not null) AppendComparison(sql, key, ">=", lowInclusive);
        if (lowInclusive is not null && highExclusive is not null) sql.Append(" AND ");
        if (highExclusive is not null) AppendComparison(sql, key, "<", highExclusive);
        return sql.ToString();
    }

    private static void AppendComparison(StringBuilder sql, TableKey key, string op, KeyValue value)
    {
        if (value.Values.Count != key.Columns.Count)
            throw new ArgumentException(
                $"key value {value} has {value.Values.Count} columns but the key of {key.Table} has {key.Columns.Count}; the bound belongs to another table or an older key: split the table again.");
        var composite = key.Columns.Count > 1;
        if (composite) sql.Append('(');
        AppendColumns(sql, key);
        if (composite) sql.Append(')');
        sql.Append(' ').Append(op).Append(' ');
        if (composite) sql.Append('(');
        for (var i = 0; i < key.Columns.Count; i++)
        {
            if (i > 0) sql.Append(", ");
            SqlLiteral.Append(sql, value.Values[i], key.Columns[i].TypeName);
        }
        if (composite) sql.Append(')');
    }

    private static void AppendColumns(StringBuilder sql, TableKey key)
    {
        for (var i = 0; i < key.Columns.Count; i++)
        {
            if (i > 0) sql.Append(", ");
            sql.Append(TableId.QuoteIdent(key.Columns[i].Name));
        }
    }
}
