using ActorCdc.Core.Changes;
using ActorCdc.Core.Schema;
using ActorCdc.Testing;
using Npgsql;

namespace ActorCdc.Sink.Postgres.Tests.Support;

/// <summary>
/// Reads a real table of a source database the way pgoutput in text mode renders it: the schema from the catalog
/// (format_type, typtype) and every value through its type's output function with the source session's settings.
/// </summary>
internal static class SourceTable
{
    private const string ColumnsSql =
        "SELECT a.attname, a.atttypid::int8, a.atttypmod, format_type(a.atttypid, a.atttypmod), t.typtype::text, " +
        "coalesce(et.typtype::text, ''), coalesce(a.attnum = ANY(i.indkey), false) " +
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid " +
        "LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A' " +
        "LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary " +
        "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

    public static async Task<TableSchema> SchemaAsync(PostgresServer server, string database, TableId table, bool withKey = true)
    {
        await using var conn = new NpgsqlConnection(server.ConnectionString(database));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(ColumnsSql, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = table.Quoted });
        await using var reader = await cmd.ExecuteReaderAsync();
        var columns = new List<ColumnSchema>();
        while (await reader.ReadAsync())
        {
            var element = reader.GetString(5);
            var column = new ColumnSchema(reader.GetString(0), (uint)reader.GetInt64(1), reader.GetInt32(2), reader.GetString(3),
                reader.GetString(4)[0], withKey && reader.GetBoolean(6));
            columns.Add(column with { ElementTypeKind = element.Length == 0 ? '\0' : element[0] });
        }
        return new TableSchema(table, 1, columns, withKey ? ReplicaIdentity.Default : ReplicaIdentity.Full);
    }

    /// <summary>Every row as column values, ordered by <paramref name="orderBy"/>.</summary>
    public static async Task<List<ColumnValue[]>> RowsAsync(PostgresServer server, string database, TableSchema schema, string orderBy)
    {
        await using var conn = new NpgsqlConnection(server.ConnectionString(database));
        await conn.OpenAsync();
        await using (var set = new NpgsqlCommand("SET DateStyle = ISO; SET IntervalStyle = postgres; SET extra_float_digits = 3; SET TimeZone = 'UTC'", conn))
            await set.ExecuteNonQueryAsync();
        // format('%s') calls the type's output function, as pgoutput does (a ::text cast would trim char(n) padding);
        // num_nulls tests the datum itself, where IS NULL would call a composite of null fields null.
        var select = new List<string>();
        foreach (var c in schema.Columns)
        {
            var q = TableId.QuoteIdent(c.Name);
            select.Add($"CASE WHEN num_nulls({q}) = 1 THEN NULL ELSE format('%s', {q}) END");
        }
        await using var cmd = new NpgsqlCommand($"SELECT {string.Join(", ", select)} FROM {schema.Table.Quoted} ORDER BY {orderBy}", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<ColumnValue[]>();
        while (await reader.ReadAsync())
        {
            var row = new ColumnValue[schema.Columns.Count];
            for (var i = 0; i < row.Length; i++)
                row[i] = reader.IsDBNull(i) ? ColumnValue.Null : ColumnValue.FromText(reader.GetString(i));
            rows.Add(row);
        }
        return rows;
    }
}
