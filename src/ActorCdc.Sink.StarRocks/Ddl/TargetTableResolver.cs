using System.Net.Sockets;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using ActorCdc.Sink.StarRocks.Json;
using MySqlConnector;

namespace ActorCdc.Sink.StarRocks.Ddl;

/// <summary>
/// Makes the StarRocks table fit a source schema version: creates a missing Primary Key table, and for an existing one
/// applies <c>sink.schema-change</c> to columns the source added, dropped (columns the sink created, known by their
/// comment) or retyped — ALTER TABLE and wait for the alter job (evolve), load only what exists (ignore), or stop
/// with the statements to run (fail).
/// </summary>
internal sealed class TargetTableResolver(StarRocksCatalog catalog, StarRocksSinkSettings settings, string pipeline)
{
    public async Task<TargetTable> EnsureAsync(string database, string table, TableSchema schema, CancellationToken cancellationToken)
    {
        if (!schema.HasKey)
            throw CdcException.Fatal(
                $"Pipeline '{pipeline}': source table {schema.Table} has no primary key or replica identity index, which StarRocks Primary Key " +
                $"tables need; add a primary key (ALTER TABLE {schema.Table.Quoted} ADD PRIMARY KEY (...)) or leave the table out of the pipeline.");
        try
        {
            var existing = await catalog.DescribeAsync(database, table, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                var create = TableDdl.CreateTable(database, table, schema, settings);
                await RunDdlAsync(create, database, table, cancellationToken).ConfigureAwait(false);
                existing = await catalog.DescribeAsync(database, table, cancellationToken).ConfigureAwait(false)
                           ?? throw CdcException.Transient($"Pipeline '{pipeline}': table {database}.{table} is not visible after CREATE TABLE; the write is retried.");
            }
            else
            {
                CheckKeys(database, table, schema, existing);
                existing = await ReconcileAsync(database, table, schema, existing, cancellationToken).ConfigureAwait(false);
            }
            return Describe(database, table, schema, existing);
        }
        catch (Exception e) when (e is MySqlException or SocketException or IOException or InvalidOperationException)
        {
            throw Classify(e, database, table);
        }
    }

    private async Task<IReadOnlyList<ExistingColumn>> ReconcileAsync(string database, string table, TableSchema schema, IReadOnlyList<ExistingColumn> existing,
        CancellationToken cancellationToken)
    {
        var byName = ByName(existing);
        var added = new List<ColumnSchema>();
        var retyped = new List<ColumnSchema>();
        foreach (var column in schema.Columns)
        {
            if (!byName.TryGetValue(column.Name, out var target)) added.Add(column);
            else if (StarRocksTypeMapping.SourceTypeFromComment(target.Comment) is { } was && was != column.TypeName) retyped.Add(column);
        }
        var dropped = new List<string>();
        foreach (var target in existing)
            if (StarRocksTypeMapping.SourceTypeFromComment(target.Comment) is not null && !HasColumn(schema, target.Name)) dropped.Add(target.Name);
        if (added.Count == 0 && dropped.Count == 0 && retyped.Count == 0) return existing;

        var statements = new List<string>();
        if (added.Count > 0) statements.Add(TableDdl.AddColumns(database, table, added, settings, settings.SchemaChangeTimeout));
        if (dropped.Count > 0) statements.Add(TableDdl.DropColumns(database, table, dropped, settings.SchemaChangeTimeout));
        foreach (var column in retyped)
        {
            if (column.IsKey)
                throw CdcException.Fatal(
                    $"Pipeline '{pipeline}': key column \"{column.Name}\" of {schema.Table} changed type to {column.TypeName}, and StarRocks cannot change " +
                    $"a primary key column; recreate {database}.{table} (drop it and let the sink create it, then snapshot the table again).");
            statements.Add(TableDdl.ModifyColumn(database, table, column, settings, settings.SchemaChangeTimeout));
        }

        switch (settings.SchemaChange)
        {
            case SchemaChangePolicy.Ignore:
                return existing;
            case SchemaChangePolicy.Fail:
                throw CdcException.Fatal(
                    $"Pipeline '{pipeline}': source table {schema.Table} no longer matches {database}.{table} (added: [{string.Join(", ", added.Select(c => c.Name))}], " +
                    $"dropped: [{string.Join(", ", dropped)}], retyped: [{string.Join(", ", retyped.Select(c => c.Name))}]) and sink.schema-change = fail; " +
                    $"run {string.Join("; ", statements)} in StarRocks, or set sink.schema-change = evolve.");
        }

        foreach (var statement in statements)
            await RunDdlAsync(statement, database, table, cancellationToken).ConfigureAwait(false);
        var after = await catalog.DescribeAsync(database, table, cancellationToken).ConfigureAwait(false) ?? existing;
        var now = ByName(after);
        foreach (var column in added)
            if (!now.ContainsKey(column.Name))
                throw CdcException.Transient($"Pipeline '{pipeline}': column \"{column.Name}\" is not in {database}.{table} after its ALTER job finished; the write is retried.");
        return after;
    }

    /// <summary>Runs DDL and waits for the alter job; after a failure, a change already reflected counts as done (a retry after failover).</summary>
    private async Task RunDdlAsync(string sql, string database, string table, CancellationToken cancellationToken)
    {
        try
        {
            await catalog.ExecuteAsync(sql, cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException e) when (IsDuplicate(e))
        {
            // ADD of a column that exists or DROP of one that is gone: an earlier attempt got through.
        }
        catch (MySqlException e) when (!IsConnectionError(e))
        {
            throw CdcException.Fatal(
                $"Pipeline '{pipeline}': StarRocks at {catalog.Endpoint} refused `{sql}` ({e.Message}); fix the cause, or create/alter " +
                $"{database}.{table} yourself and set sink.schema-change = ignore.", e);
        }
        if (!sql.StartsWith("CREATE", StringComparison.Ordinal))
            await catalog.WaitForAlterJobAsync(database, table, cancellationToken).ConfigureAwait(false);
    }

    private void CheckKeys(string database, string table, TableSchema schema, IReadOnlyList<ExistingColumn> existing)
    {
        var targetKeys = new List<string>();
        foreach (var c in existing)
            if (c.IsKey) targetKeys.Add(c.Name);
        var sourceKeys = new List<string>();
        foreach (var k in schema.KeyIndexes) sourceKeys.Add(schema.Columns[k].Name);
        if (targetKeys.Count == sourceKeys.Count && targetKeys.TrueForAll(k => sourceKeys.Contains(k, StringComparer.OrdinalIgnoreCase))) return;
        throw CdcException.Fatal(
            $"Pipeline '{pipeline}': StarRocks table {database}.{table} has primary key ({string.Join(", ", targetKeys)}) but source table {schema.Table} " +
            $"has key ({string.Join(", ", sourceKeys)}); upserts and deletes need the same key: recreate the table as a Primary Key table on " +
            $"({string.Join(", ", sourceKeys)}), or drop it and let the sink create it.");
    }

    private TargetTable Describe(string database, string table, TableSchema schema, IReadOnlyList<ExistingColumn> existing)
    {
        var byName = ByName(existing);
        var columns = new List<EncodedColumn>();
        for (var i = 0; i < schema.Columns.Count; i++)
        {
            var column = schema.Columns[i];
            if (!byName.TryGetValue(column.Name, out var target)) continue;
            var mapping = StarRocksTypeMapping.Map(column, settings);
            columns.Add(new EncodedColumn(target.Name, i, column.IsKey, mapping.Encoding, mapping.ElementEncoding, mapping.MaxIntegerDigits));
        }
        return new TargetTable(database, table, schema, columns.ToArray());
    }

    private Exception Classify(Exception e, string database, string table)
    {
        if (e is MySqlException my && (my.ErrorCode == MySqlErrorCode.AccessDenied || my.Number == 1045))
            return CdcException.Fatal(
                $"Pipeline '{pipeline}': StarRocks at {catalog.Endpoint} refused user '{settings.Username}' ({my.Message}); fix sink.username and sink.password.", e);
        if (e is MySqlException unknown && unknown.Number == 1049)
            return CdcException.Fatal(
                $"Pipeline '{pipeline}': StarRocks database '{database}' does not exist ({unknown.Message}); create it (CREATE DATABASE {Sql.Ident(database)}) or fix sink.database.", e);
        return CdcException.Transient(
            $"Pipeline '{pipeline}': reaching StarRocks at {catalog.Endpoint} for {database}.{table} failed ({e.Message}); " +
            "the write is retried; check sink.jdbc-url / sink.mysql and that the FE is up.", e);
    }

    private static bool IsDuplicate(MySqlException e) =>
        e.Message.Contains("Duplicate column", StringComparison.OrdinalIgnoreCase) ||
        e.Message.Contains("does not exist", StringComparison.OrdinalIgnoreCase) && e.Message.Contains("column", StringComparison.OrdinalIgnoreCase);

    private static bool IsConnectionError(MySqlException e) =>
        e.ErrorCode is MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.CommandTimeoutExpired || e.InnerException is IOException or SocketException;

    private static Dictionary<string, ExistingColumn> ByName(IReadOnlyList<ExistingColumn> columns)
    {
        // StarRocks column names are case-insensitive.
        var map = new Dictionary<string, ExistingColumn>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in columns) map[c.Name] = c;
        return map;
    }

    private static bool HasColumn(TableSchema schema, string name)
    {
        foreach (var c in schema.Columns)
            if (string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
