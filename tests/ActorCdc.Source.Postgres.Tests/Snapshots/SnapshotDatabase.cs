using ActorCdc.Core.Changes;
using ActorCdc.Core.Schema;
using ActorCdc.Source.Postgres.Snapshots;
using ActorCdc.Testing;
using Npgsql;
using Xunit;

namespace ActorCdc.Source.Postgres.Tests.Snapshots;

/// <summary>
/// One test's database for the snapshot side: a splitter and a reader on it, the test's deadline, and the helpers that
/// split a whole table into chunks, read every chunk, and compute what PostgreSQL itself prints for the same rows.
/// </summary>
internal sealed class SnapshotDatabase : IAsyncDisposable
{
    private readonly CancellationTokenSource _deadline;
    private ChunkReader? _reader;

    private SnapshotDatabase(PostgresServer server, string database, TimeSpan timeout)
    {
        Server = server;
        Database = database;
        ConnectionString = server.ConnectionString(database);
        Splitter = new ChunkSplitter(ConnectionString);
        _deadline = new CancellationTokenSource(timeout);
    }

    public PostgresServer Server { get; }
    public string Database { get; }
    public string ConnectionString { get; }
    public ChunkSplitter Splitter { get; }
    public CancellationToken Deadline => _deadline.Token;

    /// <summary>A connection with the source's session GUCs, to compute expected text output independently.</summary>
    public string SessionConnectionString =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Options = PostgresSourceSettings.SessionOptions }.ConnectionString;

    public static async Task<SnapshotDatabase> CreateAsync(PostgresServer server, string setupSql, TimeSpan? timeout = null)
    {
        var database = await server.CreateDatabaseAsync("snap");
        if (setupSql.Length > 0) await server.ExecuteAsync(database, setupSql);
        return new SnapshotDatabase(server, database, timeout ?? TimeSpan.FromSeconds(45));
    }

    /// <summary>Uses a database that already exists (e.g. a <see cref="SourceHarness"/>'s).</summary>
    public static SnapshotDatabase Open(PostgresServer server, string database, TimeSpan? timeout = null) =>
        new(server, database, timeout ?? TimeSpan.FromSeconds(45));

    public async Task<ChunkReader> ReaderAsync() => _reader ??= await ChunkReader.OpenAsync(ConnectionString, Deadline);

    public Task ExecuteAsync(string sql) => Server.ExecuteAsync(Database, sql);

    /// <summary>Every chunk of the table, each range read back: ranges in order and the rows of each.</summary>
    public async Task<List<(ChunkRange Range, List<ColumnValue[]> Rows)>> SplitAndReadAsync(TableId table, int chunkSize, int batchRows = 100)
    {
        var key = await Splitter.DescribeKeyAsync(table, Deadline);
        var schema = await Splitter.ReadSchemaAsync(table, Deadline);
        var reader = await ReaderAsync();
        var chunks = new List<(ChunkRange, List<ColumnValue[]>)>();
        KeyValue? from = null;
        while (await Splitter.NextChunkAsync(key, from, null, chunkSize, Deadline) is { } range)
        {
            var rows = new List<ColumnValue[]>();
            await reader.ReadAsync(key, schema, range, batchRows, (batch, _) =>
            {
                Assert.InRange(batch.Count, 1, batchRows);
                rows.AddRange(batch);
                return ValueTask.CompletedTask;
            }, Deadline);
            chunks.Add((range, rows));
            if (range.HighExclusive is null) break;
            from = range.HighExclusive;
            if (chunks.Count > 100_000) throw new InvalidOperationException($"splitting {table} does not end; last range {range}");
        }
        return chunks;
    }

    /// <summary>
    /// The rows of <paramref name="query"/> as each column's output function prints them (<c>concat</c>, as pgoutput
    /// would send them), NULL as null, with the source's session settings.
    /// </summary>
    public async Task<List<string?[]>> ExpectedRowsAsync(string query)
    {
        await using var conn = new NpgsqlConnection(SessionConnectionString);
        await conn.OpenAsync(Deadline);
        var columns = new List<string>();
        await using (var probe = new NpgsqlCommand($"SELECT * FROM ({query}) q LIMIT 0", conn))
        await using (var r = await probe.ExecuteReaderAsync(Deadline))
            for (var i = 0; i < r.FieldCount; i++) columns.Add(r.GetName(i));
        var select = string.Join(", ", columns.Select(c => $"CASE WHEN q.{TableId.QuoteIdent(c)} IS NULL THEN NULL ELSE concat(q.{TableId.QuoteIdent(c)}) END"));
        var rows = new List<string?[]>();
        await using var cmd = new NpgsqlCommand($"SELECT {select} FROM ({query}) q", conn);
        await using var reader = await cmd.ExecuteReaderAsync(Deadline);
        while (await reader.ReadAsync(Deadline))
        {
            var row = new string?[columns.Count];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>A row as one comparable line (values are quoted so that NULL, '' and 'NULL' differ).</summary>
    public static string Line(ColumnValue[] row) =>
        string.Join("|", row.Select(v => v.Kind == ValueKind.Text ? "'" + v.Text + "'" : v.ToString()));

    public static string Line(string?[] row) => string.Join("|", row.Select(v => v is null ? "NULL" : "'" + v + "'"));

    public async ValueTask DisposeAsync()
    {
        if (_reader is not null) await _reader.DisposeAsync();
        await Splitter.DisposeAsync();
        _deadline.Dispose();
    }
}
