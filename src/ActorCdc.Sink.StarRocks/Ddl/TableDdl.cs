using System.Text;
using ActorCdc.Core.Schema;

namespace ActorCdc.Sink.StarRocks.Ddl;

/// <summary>
/// The DDL text the sink sends: Primary Key tables with key columns first (reference/starrocks.md §3.1) and
/// ADD/DROP/MODIFY COLUMN clauses (§3.2). Every column it creates carries the comment <c>actorcdc: &lt;source type&gt;</c>,
/// which later tells a column the source dropped from one a user added.
/// </summary>
internal static class TableDdl
{
    public static string CreateTable(string database, string table, TableSchema schema, StarRocksSinkSettings settings)
    {
        var sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").Append(Sql.Table(database, table)).Append(" (\n");
        var first = true;
        foreach (var k in schema.KeyIndexes) Append(schema.Columns[k]);
        for (var i = 0; i < schema.Columns.Count; i++)
            if (!schema.Columns[i].IsKey) Append(schema.Columns[i]);
        var keys = KeyList(schema);
        sql.Append("\n) PRIMARY KEY (").Append(keys).Append(")\nDISTRIBUTED BY HASH (").Append(keys).Append(')');
        if (settings.Buckets > 0) sql.Append(" BUCKETS ").Append(settings.Buckets);
        if (settings.TableProperties.Count > 0)
        {
            sql.Append("\nPROPERTIES (");
            var firstProperty = true;
            foreach (var (name, value) in settings.TableProperties)
            {
                if (!firstProperty) sql.Append(", ");
                sql.Append(Sql.Literal(name, '"')).Append(" = ").Append(Sql.Literal(value, '"'));
                firstProperty = false;
            }
            sql.Append(')');
        }
        return sql.ToString();

        void Append(ColumnSchema column)
        {
            if (!first) sql.Append(",\n");
            sql.Append("  ").Append(ColumnDefinition(column, settings));
            first = false;
        }
    }

    /// <summary><c>`name` TYPE NULL|NOT NULL COMMENT "actorcdc: type"</c>.</summary>
    public static string ColumnDefinition(ColumnSchema column, StarRocksSinkSettings settings) =>
        $"{Sql.Ident(column.Name)} {StarRocksTypeMapping.Map(column, settings).SqlType} {(column.IsKey ? "NOT NULL" : "NULL")} COMMENT {Sql.Literal(StarRocksTypeMapping.Comment(column), '"')}";

    public static string AddColumns(string database, string table, IReadOnlyList<ColumnSchema> columns, StarRocksSinkSettings settings, TimeSpan timeout) =>
        Alter(database, table, columns, c => "ADD COLUMN " + ColumnDefinition(c, settings), timeout);

    public static string DropColumns(string database, string table, IReadOnlyList<string> columns, TimeSpan timeout) =>
        Alter(database, table, columns, c => "DROP COLUMN " + Sql.Ident(c), timeout);

    public static string ModifyColumn(string database, string table, ColumnSchema column, StarRocksSinkSettings settings, TimeSpan timeout) =>
        Alter(database, table, [column], c => "MODIFY COLUMN " + ColumnDefinition(c, settings), timeout);

    public static string ShowAlterJob(string database, string table) =>
        $"SHOW ALTER TABLE COLUMN FROM {Sql.Ident(database)} WHERE TableName = {Sql.Literal(table)} ORDER BY JobId DESC LIMIT 1";

    public static string DescribeColumns(string database, string table) =>
        "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY, COLUMN_COMMENT FROM information_schema.COLUMNS " +
        $"WHERE TABLE_SCHEMA = {Sql.Literal(database)} AND TABLE_NAME = {Sql.Literal(table)} ORDER BY ORDINAL_POSITION";

    public static string DatabaseExists(string database) =>
        $"SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = {Sql.Literal(database)}";

    public static string Truncate(string database, string table) => $"TRUNCATE TABLE {Sql.Table(database, table)}";

    public static string KeyList(TableSchema schema)
    {
        var keys = new string[schema.KeyIndexes.Length];
        for (var i = 0; i < keys.Length; i++) keys[i] = Sql.Ident(schema.Columns[schema.KeyIndexes[i]].Name);
        return string.Join(", ", keys);
    }

    private static string Alter<T>(string database, string table, IReadOnlyList<T> items, Func<T, string> clause, TimeSpan timeout)
    {
        var sql = new StringBuilder("ALTER TABLE ").Append(Sql.Table(database, table)).Append(' ');
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0) sql.Append(", ");
            sql.Append(clause(items[i]));
        }
        return sql.Append(" PROPERTIES (\"timeout\" = \"").Append((long)timeout.TotalSeconds).Append("\")").ToString();
    }
}
