using System.Text;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using Npgsql;

namespace ActorCdc.Sink.Postgres.Target;

/// <summary>
/// Makes the target table fit a schema version: creates it (schema, columns, primary key) when missing, adds the
/// columns it lacks, and otherwise uses it as it is. Runs in its own short transaction, before the apply transaction.
/// </summary>
internal static class TargetTableDdl
{
    private const string DescribeColumnsSql =
        "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), pg_catalog.format_type(a.atttypid, -1) FROM pg_catalog.pg_attribute a " +
        "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

    // Only indexes ON CONFLICT can infer: unique, immediate, not partial, no expressions.
    private const string DescribeKeysSql =
        "SELECT ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)) " +
        "FROM pg_catalog.pg_index i WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indimmediate " +
        "AND i.indpred IS NULL AND i.indexprs IS NULL";

    public static async Task<TargetTable> EnsureAsync(NpgsqlConnection connection, TableId target, TableSchema schema, CancellationToken cancellationToken)
    {
        var existing = await DescribeAsync(connection, target, cancellationToken).ConfigureAwait(false);
        if (existing.Columns.Count == 0)
        {
            await DdlRetry.RunAsync(() => CreateAsync(connection, target, schema, cancellationToken)).ConfigureAwait(false);
            existing = await DescribeAsync(connection, target, cancellationToken).ConfigureAwait(false);
        }
        else if (HasMissingColumns(existing, schema))
        {
            await AddColumnsAsync(connection, target, schema, existing, cancellationToken).ConfigureAwait(false);
            existing = await DescribeAsync(connection, target, cancellationToken).ConfigureAwait(false);
        }

        var types = new string[schema.Columns.Count];
        var baseTypes = new string[schema.Columns.Count];
        for (var i = 0; i < types.Length; i++)
            (types[i], baseTypes[i]) = existing.Columns.TryGetValue(schema.Columns[i].Name, out var type)
                ? type
                : throw CdcException.Fatal($"Target table {target} still lacks column \"{schema.Columns[i].Name}\" after ALTER TABLE ADD COLUMN; check who else changes it.");
        if (schema.HasKey && !HasUniqueKeyOn(existing, schema))
        {
            var keys = KeyList(schema);
            throw CdcException.Fatal(
                $"Target table {target} has no primary key or unique index on ({keys}), which the upserts of source table {schema.Table} need; " +
                $"run ALTER TABLE {target.Quoted} ADD PRIMARY KEY ({keys}) in the sink database, or drop the table to let the sink create it.");
        }
        return new TargetTable(target, schema, types, baseTypes);
    }

    private static async Task<ExistingTable> DescribeAsync(NpgsqlConnection connection, TableId target, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(WithName(DescribeColumnsSql, target));
        batch.BatchCommands.Add(WithName(DescribeKeysSql, target));
        var result = new ExistingTable();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            result.Columns[reader.GetString(0)] = (reader.GetString(1), reader.GetString(2));
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            result.UniqueKeys.Add(reader.GetFieldValue<string[]>(0));
        return result;
    }

    private static async Task CreateAsync(NpgsqlConnection connection, TableId target, TableSchema schema, CancellationToken cancellationToken)
    {
        var types = await ChooseTypesAsync(connection, schema.Columns, cancellationToken).ConfigureAwait(false);
        var sql = new StringBuilder($"CREATE TABLE IF NOT EXISTS {target.Quoted} (");
        for (var i = 0; i < schema.Columns.Count; i++)
        {
            if (i > 0) sql.Append(", ");
            sql.Append(TableId.QuoteIdent(schema.Columns[i].Name)).Append(' ').Append(types[i]);
            if (schema.Columns[i].IsKey) sql.Append(" NOT NULL");
        }
        if (schema.HasKey) sql.Append(", PRIMARY KEY (").Append(KeyList(schema)).Append(')');
        sql.Append(')');

        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await SchemaDdl.EnsureSchemaAsync(connection, target.Schema, cancellationToken).ConfigureAwait(false);
        await using (var create = new NpgsqlCommand(sql.ToString(), connection))
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task AddColumnsAsync(NpgsqlConnection connection, TableId target, TableSchema schema, ExistingTable existing, CancellationToken cancellationToken)
    {
        var missing = new List<ColumnSchema>();
        foreach (var column in schema.Columns)
            if (!existing.Columns.ContainsKey(column.Name)) missing.Add(column);
        var types = await ChooseTypesAsync(connection, missing, cancellationToken).ConfigureAwait(false);
        var sql = new StringBuilder($"ALTER TABLE {target.Quoted} ");
        for (var i = 0; i < missing.Count; i++)
        {
            if (i > 0) sql.Append(", ");
            sql.Append("ADD COLUMN IF NOT EXISTS ").Append(TableId.QuoteIdent(missing[i].Name)).Append(' ').Append(types[i]);
        }
        await using var alter = new NpgsqlCommand(sql.ToString(), connection);
        await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Keeps the source type where the target database knows it; see <see cref="TargetTypeMapping"/>.</summary>
    private static async Task<string[]> ChooseTypesAsync(NpgsqlConnection connection, IReadOnlyList<ColumnSchema> columns, CancellationToken cancellationToken)
    {
        var types = new string[columns.Count];
        var names = new string[columns.Count];
        for (var i = 0; i < columns.Count; i++) names[i] = columns[i].TypeName;
        await using var cmd = new NpgsqlCommand(
            "SELECT to_regtype(n) IS NOT NULL FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i) ORDER BY i", connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = names });
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < columns.Count && await reader.ReadAsync(cancellationToken).ConfigureAwait(false); i++)
            types[i] = TargetTypeMapping.Fixed(columns[i]) ?? (reader.GetBoolean(0) ? columns[i].TypeName : TargetTypeMapping.Fallback(columns[i]));
        return types;
    }

    private static bool HasMissingColumns(ExistingTable existing, TableSchema schema)
    {
        foreach (var column in schema.Columns)
            if (!existing.Columns.ContainsKey(column.Name)) return true;
        return false;
    }

    private static bool HasUniqueKeyOn(ExistingTable existing, TableSchema schema)
    {
        foreach (var key in existing.UniqueKeys)
        {
            if (key.Length != schema.KeyIndexes.Length) continue;
            var all = true;
            foreach (var k in schema.KeyIndexes)
                if (Array.IndexOf(key, schema.Columns[k].Name) < 0) { all = false; break; }
            if (all) return true;
        }
        return false;
    }

    private static string KeyList(TableSchema schema)
    {
        var keys = new string[schema.KeyIndexes.Length];
        for (var i = 0; i < keys.Length; i++) keys[i] = TableId.QuoteIdent(schema.Columns[schema.KeyIndexes[i]].Name);
        return string.Join(", ", keys);
    }

    private static NpgsqlBatchCommand WithName(string sql, TableId target)
    {
        var cmd = new NpgsqlBatchCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter { Value = target.Quoted });
        return cmd;
    }

    private sealed class ExistingTable
    {
        /// <summary>Per column name, its type with and without modifiers.</summary>
        public Dictionary<string, (string Type, string BaseType)> Columns { get; } = new(StringComparer.Ordinal);
        public List<string[]> UniqueKeys { get; } = [];
    }
}
