using System.Globalization;
using System.Text;
using System.Text.Json;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using ActorCdc.Source.Postgres.Catalog;
using ActorCdc.Source.Postgres.Connections;
using Npgsql;

namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// Plans a table's backfill over ordinary connections: its key, its schema exactly as the WAL decoder would describe it,
/// its estimated size, and chunk boundaries found by walking the key index so no chunk holds more than the target.
/// </summary>
public sealed class ChunkSplitter : IAsyncDisposable
{
    // Tables never analyzed and at most this large are counted exactly; larger ones get the planner's estimate.
    private const long CountBelowBytes = 64L * 1024 * 1024;

    private const string KeyQuery = """
        SELECT i.indisprimary, a.attname, a.atttypid, format_type(a.atttypid, a.atttypmod), a.attgenerated <> '',
               (SELECT count(*) FROM pg_attribute b
                WHERE b.attrelid = a.attrelid AND b.attnum > 0 AND b.attnum < a.attnum
                  AND NOT b.attisdropped AND b.attgenerated = '')::int
        FROM pg_index i
        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = @oid AND k.ord <= i.indnkeyatts
          AND (i.indisprimary OR (i.indisreplident AND @identityIndex))
        ORDER BY i.indisprimary DESC, k.ord
        """;

    // pgoutput's Relation message: attnum order, no dropped or generated columns (PostgreSQL 12-17), key flags from
    // the replica identity's key attributes (INCLUDE columns are not part of it).
    private const string ColumnsQuery = """
        SELECT a.attname, a.atttypid, a.atttypmod,
               EXISTS (SELECT 1 FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                       WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.attnum = a.attnum AND k.ord <= i.indnkeyatts),
               EXISTS (SELECT 1 FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                       WHERE i.indrelid = a.attrelid AND i.indisreplident AND k.attnum = a.attnum AND k.ord <= i.indnkeyatts)
        FROM pg_attribute a
        WHERE a.attrelid = @oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        ORDER BY a.attnum
        """;

    private const string SizeQuery = """
        SELECT c.oid::regclass::text, c.reltuples::float8, c.relpages::int8,
               pg_relation_size(c.oid), current_setting('block_size')::int8
        FROM pg_class c
        WHERE c.relkind = 'r'
          AND (c.oid = @oid OR @partitioned AND c.oid IN (SELECT relid FROM pg_partition_tree(@oid::regclass) WHERE isleaf))
        """;

    private readonly string _connectionString;
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Plans against the server of <paramref name="connectionString"/> (the source's Npgsql connection string).</summary>
    public ChunkSplitter(string connectionString)
    {
        _connectionString = connectionString;
        _dataSource = NpgsqlDataSource.Create(SessionConnectionString.Build(connectionString, "actorcdc-snapshot"));
    }

    public ChunkSplitter(PostgresSourceSettings settings) : this(settings.ConnectionString)
    {
    }

    /// <summary>
    /// The key backfill chunks <paramref name="table"/> by: its primary key; else the unique index set as REPLICA
    /// IDENTITY; else, with REPLICA IDENTITY FULL, no key. Anything else is refused with the statement that fixes it.
    /// </summary>
    public Task<TableKey> DescribeKeyAsync(TableId table, CancellationToken ct = default) =>
        RunAsync($"describing the key of {table}", async connection =>
        {
            var relation = await RelationInfo.ResolveAsync(connection, table, ct);
            var columns = new List<KeyColumn>();
            var primary = false;
            await using (var cmd = new NpgsqlCommand(KeyQuery, connection))
            {
                cmd.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, relation.Oid);
                cmd.Parameters.AddWithValue("identityIndex", relation.ReplicaIdentity == 'i');
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var isPrimary = reader.GetBoolean(0);
                    // Rows of the primary key come first; a replica identity index only counts without one.
                    if (columns.Count > 0 && primary && !isPrimary) break;
                    primary = isPrimary;
                    var name = reader.GetString(1);
                    if (reader.GetBoolean(4))
                        throw CdcException.Fatal(
                            $"the key of {table} includes the generated column \"{name}\", which pgoutput does not send, so changes could not be matched to backfilled rows; use a key without generated columns.");
                    columns.Add(new KeyColumn(name, reader.GetFieldValue<uint>(2), reader.GetString(3), reader.GetInt32(5)));
                }
            }
            if (columns.Count > 0) return new TableKey(table, primary ? KeyKind.PrimaryKey : KeyKind.ReplicaIdentityIndex, columns);
            if (relation.ReplicaIdentity == 'f') return new TableKey(table, KeyKind.FullRowNoKey, []);
            throw CdcException.Fatal(
                $"table {table} has no primary key, no REPLICA IDENTITY USING INDEX and no REPLICA IDENTITY FULL, so it can neither be backfilled by key nor have its UPDATEs and DELETEs published; " +
                $"add a primary key (ALTER TABLE {table.Quoted} ADD PRIMARY KEY (...)) or run `ALTER TABLE {table.Quoted} REPLICA IDENTITY FULL;` and restart.");
        }, ct);

    /// <summary>
    /// The table's schema built exactly as the WAL decoder builds it from a pgoutput Relation message (columns, types,
    /// key flags, relation id, replica identity), so the two compare equal with <see cref="TableSchema.SameShapeAs"/>.
    /// Publication column lists (PostgreSQL 15) are not applied: the stream would then carry fewer columns.
    /// </summary>
    public Task<TableSchema> ReadSchemaAsync(TableId table, CancellationToken ct = default) =>
        RunAsync($"reading the schema of {table}", async connection =>
        {
            var relation = await RelationInfo.ResolveAsync(connection, table, ct);
            var names = new List<string>();
            var types = new List<(uint Oid, int TypMod)>();
            var inPrimaryKey = new List<bool>();
            var inIdentityIndex = new List<bool>();
            await using (var cmd = new NpgsqlCommand(ColumnsQuery, connection))
            {
                cmd.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, relation.Oid);
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    names.Add(reader.GetString(0));
                    types.Add((reader.GetFieldValue<uint>(1), reader.GetInt32(2)));
                    inPrimaryKey.Add(reader.GetBoolean(3));
                    inIdentityIndex.Add(reader.GetBoolean(4));
                }
            }
            // The decoder's own type lookup, so names and kinds come out identical.
            var described = await new TypeCatalog(_dataSource, _connectionString).DescribeAsync(types, ct);
            var identity = relation.ReplicaIdentity switch
            {
                'f' => ReplicaIdentity.Full,
                'i' => ReplicaIdentity.Index,
                'n' => ReplicaIdentity.Nothing,
                _ => ReplicaIdentity.Default,
            };
            var columns = new ColumnSchema[names.Count];
            for (var i = 0; i < columns.Length; i++)
            {
                // pgoutput flags the replica identity's columns (all of them for FULL, where the decoder then marks the
                // primary key instead); DEFAULT means the primary key, NOTHING means none.
                var isKey = identity switch
                {
                    ReplicaIdentity.Full or ReplicaIdentity.Default => inPrimaryKey[i],
                    ReplicaIdentity.Index => inIdentityIndex[i],
                    _ => false,
                };
                columns[i] = new ColumnSchema(names[i], types[i].Oid, types[i].TypMod, described[i].Name, described[i].Kind, isKey)
                {
                    ElementTypeKind = described[i].ElementKind,
                };
            }
            return new TableSchema(table, relation.Oid, columns, identity);
        }, ct);

    /// <summary>
    /// Roughly how many rows the table holds, for progress: the statistics scaled to the current size; a table never
    /// analyzed is counted when small (up to 64 MiB) and otherwise estimated by the planner. Partitions are summed.
    /// </summary>
    public Task<long> EstimateRowsAsync(TableId table, CancellationToken ct = default) =>
        RunAsync($"estimating the size of {table}", async connection =>
        {
            var relation = await RelationInfo.ResolveAsync(connection, table, ct);
            var leaves = new List<(string Name, double Tuples, long Pages, long Bytes, long BlockSize)>();
            await using (var cmd = new NpgsqlCommand(SizeQuery, connection))
            {
                cmd.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, relation.Oid);
                cmd.Parameters.AddWithValue("partitioned", relation.Kind == 'p');
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                    leaves.Add((reader.GetString(0), reader.GetDouble(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
            }
            long total = 0;
            foreach (var leaf in leaves)
            {
                var pages = leaf.Bytes / leaf.BlockSize;
                // Analyzed (reltuples >= 0): tuple density times today's size, as the planner does.
                if (leaf.Tuples >= 0 && leaf.Pages > 0)
                    total += (long)Math.Round(leaf.Tuples / leaf.Pages * pages);
                else if (leaf.Tuples >= 0 && pages == 0)
                    continue;
                else if (leaf.Bytes <= CountBelowBytes)
                    total += await ScalarLongAsync(connection, $"SELECT count(*) FROM ONLY {leaf.Name}", ct);
                else
                    total += await PlannerRowsAsync(connection, leaf.Name, ct);
            }
            return total;
        }, ct);

    /// <summary>
    /// The next chunk of the range <c>[fromInclusive, untilExclusive)</c> (null bounds are open): it starts at
    /// <paramref name="fromInclusive"/> and ends before the key <paramref name="chunkSize"/> rows further in key order,
    /// so it holds at most <paramref name="chunkSize"/> rows however keys are distributed; the last chunk ends at
    /// <paramref name="untilExclusive"/>. Null when the range holds no row.
    /// </summary>
    public Task<ChunkRange?> NextChunkAsync(TableKey key, KeyValue? fromInclusive, KeyValue? untilExclusive, int chunkSize, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!key.IsChunkable)
            throw new ArgumentException($"{key.Table} has no key (REPLICA IDENTITY FULL): read it in one pass with ChunkReader.ReadWholeTableAsync.", nameof(key));
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "snapshot.chunk-size must be at least 1");
        var predicate = ChunkSql.Predicate(key, fromInclusive, untilExclusive);
        return RunAsync($"splitting {key.Table} after {fromInclusive?.ToString() ?? "its first key"}", async connection =>
        {
            var relation = await RelationInfo.ResolveAsync(connection, key.Table, ct);
            var outputs = new OutputFunctions();
            var oids = new uint[key.Columns.Count];
            for (var i = 0; i < oids.Length; i++) oids[i] = key.Columns[i].TypeOid;
            await outputs.EnsureAsync(connection, oids, ct);
            var select = new StringBuilder("SELECT ");
            for (var i = 0; i < key.Columns.Count; i++)
            {
                if (i > 0) select.Append(", ");
                select.Append(outputs.Expression(key.Columns[i].Name, key.Columns[i].TypeOid));
            }
            var keys = ChunkSql.KeyColumns(key);
            select.Append(" FROM ").Append(relation.From).Append(" WHERE ").Append(predicate)
                .Append(" ORDER BY ").Append(keys).Append(" OFFSET ").Append(chunkSize.ToString(CultureInfo.InvariantCulture)).Append(" LIMIT 1");

            await using (var cmd = new NpgsqlCommand(select.ToString(), connection))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
            {
                if (await reader.ReadAsync(ct))
                {
                    var values = new string[key.Columns.Count];
                    for (var i = 0; i < values.Length; i++)
                    {
                        if (reader.IsDBNull(i))
                            throw CdcException.Fatal(
                                $"key column \"{key.Columns[i].Name}\" of {key.Table} holds NULL, so key ranges cannot cover that row; make the column NOT NULL or use REPLICA IDENTITY FULL.");
                        values[i] = reader.GetString(i);
                    }
                    return new ChunkRange(fromInclusive, new KeyValue(values));
                }
            }
            var any = await ScalarLongAsync(connection, $"SELECT count(*) FROM (SELECT 1 FROM {relation.From} WHERE {predicate} LIMIT 1) r", ct);
            return any == 0 ? null : new ChunkRange(fromInclusive, untilExclusive);
        }, ct);
    }

    private static async Task<long> ScalarLongAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    private static async Task<long> PlannerRowsAsync(NpgsqlConnection connection, string quotedTable, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"EXPLAIN (FORMAT JSON) SELECT 1 FROM ONLY {quotedTable}", connection);
        var json = (string)(await cmd.ExecuteScalarAsync(ct))!;
        using var plan = JsonDocument.Parse(json);
        return (long)plan.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
    }

    private async Task<T> RunAsync<T>(string doing, Func<NpgsqlConnection, Task<T>> work, CancellationToken ct)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            return await work(connection);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw PostgresErrors.Classify(e, _connectionString, doing, FailureKind.Transient);
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
