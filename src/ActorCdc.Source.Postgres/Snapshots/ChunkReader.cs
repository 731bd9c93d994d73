using System.Runtime.ExceptionServices;
using System.Text;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using ActorCdc.Source.Postgres.Connections;
using Npgsql;

namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// Reads one chunk at a time over its own ordinary connection: a short REPEATABLE READ transaction whose snapshot is
/// recorded first, then a binary COPY of the key range with every column as its exact text output, streamed in batches.
/// </summary>
/// <remarks>
/// Not thread-safe: one read at a time. After any failure the connection is closed and the next read opens a new one.
/// Rows are read with Npgsql's binary export and synchronous reads (in ChunkReaderFigures never slower, and usually
/// cheaper in CPU, than raw COPY parsing or asynchronous reads), so a read occupies its thread while it waits for the
/// server; run readers where blocking is fine.
/// </remarks>
public sealed class ChunkReader : IAsyncDisposable
{
    private const string Begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    private const int BufferSize = 64 * 1024;

    private readonly string _userConnectionString;
    private readonly string _connectionString;
    private readonly OutputFunctions _outputs = new();
    private readonly BinaryCopyDecoder _decoder = new(BufferSize);
    private NpgsqlConnection? _connection;
    private int _busy;

    private ChunkReader(string userConnectionString, string connectionString)
    {
        _userConnectionString = userConnectionString;
        _connectionString = connectionString;
    }

    /// <summary>How rows are decoded; internal so the alternatives can be measured against each other.</summary>
    internal CopyDecoding Decoding { get; set; } = CopyDecoding.Export;

    /// <summary>The decoder's buffer size now (tests check it stays bounded).</summary>
    internal int DecoderBufferSize => _decoder.BufferSize;

    /// <summary>Opens the reader's connection to the server of <paramref name="connectionString"/> (the source's Npgsql connection string).</summary>
    public static async Task<ChunkReader> OpenAsync(string connectionString, CancellationToken ct = default)
    {
        var session = new NpgsqlConnectionStringBuilder(SessionConnectionString.Build(connectionString, "actorcdc-chunk"))
        {
            // The reader owns its connection; a pool would only hide a broken one. A larger read buffer means fewer
            // socket reads per COPY.
            Pooling = false,
            ReadBufferSize = BufferSize,
        };
        var reader = new ChunkReader(connectionString, session.ConnectionString);
        try
        {
            await reader.ConnectionAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw PostgresErrors.Classify(e, connectionString, "opening a chunk reader", FailureKind.Transient);
        }
        return reader;
    }

    public static Task<ChunkReader> OpenAsync(PostgresSourceSettings settings, CancellationToken ct = default) =>
        OpenAsync(settings.ConnectionString, ct);

    /// <summary>
    /// Reads the rows of <paramref name="range"/> in key order, each a <see cref="ColumnValue"/> array in
    /// <paramref name="schema"/>'s column order holding PostgreSQL's text output (as pgoutput sends it), and hands them
    /// to <paramref name="onRows"/> in batches of <paramref name="batchRows"/>; the next batch is decoded only after
    /// the callback completed. Each batch and its rows belong to the callee. Returns the snapshot the rows come from.
    /// </summary>
    public Task<ChunkReadResult> ReadAsync(TableKey key, TableSchema schema, ChunkRange range, int batchRows,
        Func<IReadOnlyList<ColumnValue[]>, CancellationToken, ValueTask> onRows, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(range);
        ArgumentNullException.ThrowIfNull(onRows);
        if (!key.IsChunkable)
            throw new ArgumentException($"{key.Table} has no key (REPLICA IDENTITY FULL): read it in one pass with ReadWholeTableAsync.", nameof(key));
        CheckKeyMatchesSchema(key, schema);
        CheckBatchRows(batchRows);
        var predicate = ChunkSql.Predicate(key, range.LowInclusive, range.HighExclusive);
        var orderBy = ChunkSql.KeyColumns(key);
        return RunAsync($"reading chunk {range} of {schema.Table}", async connection =>
        {
            SnapshotInfo? snapshot = null;
            RelationInfo? relation = null;
            await using (var batch = new NpgsqlBatch(connection))
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(Begin));
                // The first statement of the transaction: its snapshot is the one every later statement uses.
                batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_current_snapshot()::text"));
                batch.BatchCommands.Add(RelationCommand(schema.Table));
                await using var reader = await batch.ExecuteReaderAsync(ct);
                do
                {
                    if (reader.FieldCount == 1 && await reader.ReadAsync(ct)) snapshot = SnapshotInfo.Parse(reader.GetString(0));
                    else if (reader.FieldCount == 3 && await reader.ReadAsync(ct)) relation = RelationInfo.Read(reader, schema.Table, connection);
                }
                while (await reader.NextResultAsync(ct));
            }
            CheckRelation(relation, schema, connection);
            await _outputs.EnsureAsync(connection, schema, ct);
            var rows = await CopyAsync(connection, CopySql(schema, relation!, predicate, orderBy), schema.Columns.Count, batchRows, onRows, ct);
            await ExecuteAsync(connection, "COMMIT", ct);
            return new ChunkReadResult(snapshot ?? throw new InvalidOperationException("pg_current_snapshot() returned no row"), rows);
        }, ct);
    }

    /// <summary>
    /// Reads the whole table in one pass (for tables without a key, REPLICA IDENTITY FULL): the snapshot is exported by a
    /// second, short-lived connection with <c>pg_export_snapshot()</c> and imported here with SET TRANSACTION SNAPSHOT,
    /// so other readers could share it. Rows come in no particular order; batches as in <see cref="ReadAsync"/>.
    /// </summary>
    public Task<ChunkReadResult> ReadWholeTableAsync(TableSchema schema, int batchRows,
        Func<IReadOnlyList<ColumnValue[]>, CancellationToken, ValueTask> onRows, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(onRows);
        CheckBatchRows(batchRows);
        return RunAsync($"reading all of {schema.Table}", async connection =>
        {
            SnapshotInfo snapshot;
            RelationInfo? relation = null;
            await using (var exporter = new NpgsqlConnection(_connectionString))
            {
                await exporter.OpenAsync(ct);
                string name;
                await using (var batch = new NpgsqlBatch(exporter))
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(Begin));
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_current_snapshot()::text, pg_export_snapshot()"));
                    await using var reader = await batch.ExecuteReaderAsync(ct);
                    while (reader.FieldCount != 2) await reader.NextResultAsync(ct);
                    await reader.ReadAsync(ct);
                    snapshot = SnapshotInfo.Parse(reader.GetString(0));
                    name = reader.GetString(1);
                }
                var import = new StringBuilder("SET TRANSACTION SNAPSHOT ");
                SqlLiteral.Append(import, name);
                await using (var batch = new NpgsqlBatch(connection))
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(Begin));
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(import.ToString()));
                    batch.BatchCommands.Add(RelationCommand(schema.Table));
                    await using var reader = await batch.ExecuteReaderAsync(ct);
                    do
                    {
                        if (reader.FieldCount == 3 && await reader.ReadAsync(ct)) relation = RelationInfo.Read(reader, schema.Table, connection);
                    }
                    while (await reader.NextResultAsync(ct));
                }
                // The importing transaction holds the snapshot now: the exporter need not stay open during the copy.
                await ExecuteAsync(exporter, "COMMIT", ct);
            }
            CheckRelation(relation, schema, connection);
            await _outputs.EnsureAsync(connection, schema, ct);
            var rows = await CopyAsync(connection, CopySql(schema, relation!, "TRUE", null), schema.Columns.Count, batchRows, onRows, ct);
            await ExecuteAsync(connection, "COMMIT", ct);
            return new ChunkReadResult(snapshot, rows);
        }, ct);
    }

    private string CopySql(TableSchema schema, RelationInfo relation, string predicate, string? orderBy)
    {
        var sql = new StringBuilder("COPY (SELECT ");
        for (var i = 0; i < schema.Columns.Count; i++)
        {
            if (i > 0) sql.Append(", ");
            sql.Append(_outputs.Expression(schema.Columns[i].Name, schema.Columns[i].TypeOid));
        }
        sql.Append(" FROM ").Append(relation.From).Append(" WHERE ").Append(predicate);
        if (orderBy is not null) sql.Append(" ORDER BY ").Append(orderBy);
        sql.Append(") TO STDOUT (FORMAT binary)");
        return sql.ToString();
    }

    private async Task<long> CopyAsync(NpgsqlConnection connection, string copySql, int columns, int batchRows,
        Func<IReadOnlyList<ColumnValue[]>, CancellationToken, ValueTask> onRows, CancellationToken ct)
    {
        var batch = new ColumnValue[batchRows][];
        var count = 0;
        long total = 0;
        if (Decoding is CopyDecoding.Raw or CopyDecoding.RawAsync)
        {
            var sync = Decoding == CopyDecoding.Raw;
            await using var stream = await connection.BeginRawBinaryCopyAsync(copySql, ct);
            // A synchronous read ignores the token: cancel the COPY on the server instead, which fails the read.
            await using var cancel = ct.Register(static s => CancelQuietly(() => ((NpgsqlRawCopyStream)s!).Cancel()), stream);
            _decoder.Reset(columns);
            while (true)
            {
                var step = _decoder.TryReadRow(out var row);
                if (step == BinaryCopyDecoder.Step.Row)
                {
                    batch[count++] = row!;
                    total++;
                    if (count == batchRows)
                    {
                        await DeliverAsync(onRows, batch, ct);
                        batch = new ColumnValue[batchRows][];
                        count = 0;
                    }
                }
                else if (step == BinaryCopyDecoder.Step.End)
                {
                    break;
                }
                else if (!(sync ? _decoder.Fill(stream) : await _decoder.FillAsync(stream, ct)))
                {
                    throw new InvalidDataException("the binary COPY ended inside a row; the connection broke or the server failed mid-read.");
                }
            }
            ct.ThrowIfCancellationRequested();
        }
        else
        {
            var sync = Decoding == CopyDecoding.Export;
            await using var exporter = await connection.BeginBinaryExportAsync(copySql, ct);
            await using var cancel = ct.Register(static s => CancelQuietly(() => ((NpgsqlBinaryExporter)s!).Cancel()), exporter);
            while ((sync ? exporter.StartRow() : await exporter.StartRowAsync(ct)) != -1)
            {
                var row = new ColumnValue[columns];
                for (var i = 0; i < columns; i++)
                {
                    if (exporter.IsNull)
                    {
                        row[i] = ColumnValue.Null;
                        if (sync) exporter.Skip();
                        else await exporter.SkipAsync(ct);
                    }
                    else
                    {
                        row[i] = ColumnValue.FromText(sync ? exporter.Read<string>() : await exporter.ReadAsync<string>(ct));
                    }
                }
                batch[count++] = row;
                total++;
                if (count == batchRows)
                {
                    await DeliverAsync(onRows, batch, ct);
                    batch = new ColumnValue[batchRows][];
                    count = 0;
                }
            }
        }
        if (count > 0)
        {
            Array.Resize(ref batch, count);
            await DeliverAsync(onRows, batch, ct);
        }
        return total;
    }

    private static async ValueTask DeliverAsync(Func<IReadOnlyList<ColumnValue[]>, CancellationToken, ValueTask> onRows,
        ColumnValue[][] batch, CancellationToken ct)
    {
        // Between batches is where a cancelled read stops, even when the server has already sent everything.
        ct.ThrowIfCancellationRequested();
        try
        {
            await onRows(batch, ct);
        }
        catch (Exception e)
        {
            throw new CallbackFailure(e);
        }
    }

    private static void CancelQuietly(Action cancel)
    {
        try
        {
            cancel();
        }
        catch (Exception)
        {
            // The COPY ended meanwhile; nothing left to cancel.
        }
    }

    private static NpgsqlBatchCommand RelationCommand(TableId table)
    {
        var cmd = new NpgsqlBatchCommand(RelationInfo.Query);
        cmd.Parameters.AddWithValue("schema", table.Schema);
        cmd.Parameters.AddWithValue("name", table.Name);
        return cmd;
    }

    private static void CheckRelation(RelationInfo? relation, TableSchema schema, NpgsqlConnection connection)
    {
        if (relation is null) throw RelationInfo.Missing(schema.Table, connection);
        if (relation.Oid != schema.RelationId)
            throw CdcException.Fatal(
                $"table {schema.Table} was dropped and created again (relation id {schema.RelationId} when its schema was read, now {relation.Oid}); its backfill must start over: re-snapshot the table.");
    }

    private static void CheckKeyMatchesSchema(TableKey key, TableSchema schema)
    {
        if (!key.Table.Equals(schema.Table))
            throw new ArgumentException($"the key of {key.Table} does not belong to the schema of {schema.Table}", nameof(key));
        foreach (var c in key.Columns)
            if (c.ColumnIndex < 0 || c.ColumnIndex >= schema.Columns.Count || schema.Columns[c.ColumnIndex].Name != c.Name)
                throw new ArgumentException(
                    $"key column {c.Name} (index {c.ColumnIndex}) is not in the schema of {schema.Table} ({schema}); describe the key and read the schema again.", nameof(key));
    }

    private static void CheckBatchRows(int batchRows)
    {
        if (batchRows < 1) throw new ArgumentOutOfRangeException(nameof(batchRows), batchRows, "a batch holds at least one row");
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<NpgsqlConnection> ConnectionAsync(CancellationToken ct)
    {
        if (_connection is { State: System.Data.ConnectionState.Open } open) return open;
        await CloseAsync();
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(ct);
        _connection = connection;
        return connection;
    }

    private async Task<T> RunAsync<T>(string doing, Func<NpgsqlConnection, Task<T>> work, CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _busy, 1) == 1)
            throw new InvalidOperationException("a ChunkReader reads one chunk at a time; open one reader per concurrent read.");
        try
        {
            var connection = await ConnectionAsync(ct);
            return await work(connection);
        }
        catch (CallbackFailure f)
        {
            // The COPY is unfinished: closing the connection is the quickest way to end it and its transaction.
            await CloseAsync();
            ExceptionDispatchInfo.Throw(f.InnerException!);
            throw;
        }
        catch (Exception e)
        {
            await CloseAsync();
            if (ct.IsCancellationRequested) throw new OperationCanceledException($"{doing} was cancelled", e, ct);
            throw PostgresErrors.Classify(e, _userConnectionString, doing, FailureKind.Transient);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private async Task CloseAsync()
    {
        var connection = _connection;
        _connection = null;
        if (connection is null) return;
        try
        {
            await connection.DisposeAsync();
        }
        catch (Exception)
        {
            // Already broken: there is nothing to close cleanly.
        }
    }

    public async ValueTask DisposeAsync() => await CloseAsync();

    /// <summary>Carries an exception of the caller's callback through the reader's error handling untouched.</summary>
    private sealed class CallbackFailure(Exception inner) : Exception(inner.Message, inner);
}
