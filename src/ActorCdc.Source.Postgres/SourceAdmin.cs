using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Source.Postgres.Admin;
using ActorCdc.Source.Postgres.Connections;
using Npgsql;
using NpgsqlTypes;

namespace ActorCdc.Source.Postgres;

/// <summary>
/// The source's work over ordinary (non-replication) connections: checks and prepares tables, publication and
/// slot at start, reads the slot for lag, and writes heartbeats so idle slots advance.
/// </summary>
public sealed class SourceAdmin : IAsyncDisposable
{
    /// <summary>The prefix of heartbeat messages written by <see cref="EmitHeartbeatAsync"/>.</summary>
    public const string HeartbeatPrefix = "actorcdc.heartbeat";

    private readonly PostgresSourceSettings _settings;
    private readonly NpgsqlDataSource _dataSource;

    public SourceAdmin(PostgresSourceSettings settings)
    {
        settings.Validate();
        _settings = settings;
        _dataSource = NpgsqlDataSource.Create(SessionConnectionString.Build(settings.ConnectionString, "actorcdc-admin"));
    }

    /// <summary>
    /// Resolves <c>source.tables</c>, refuses tables without a usable key, and creates or completes the publication
    /// and the slot as configured. Returns the captured tables, sorted.
    /// </summary>
    public Task<IReadOnlyList<TableId>> PrepareAsync(CancellationToken ct) =>
        RunAsync("preparing tables, publication and slot", async connection =>
        {
            var tables = await TableResolver.ResolveAsync(connection, _settings.Tables, ct);
            await PublicationSetup.EnsureAsync(connection, _settings, tables, ct);
            await SlotSetup.EnsureAsync(connection, _settings, ct);
            return tables;
        }, ct);

    /// <summary>
    /// Table discovery while running: resolves <c>source.tables</c> again and adds newly matching tables to the
    /// publication, but never creates the publication or the slot. One dropped while the pipeline runs means changes
    /// were lost; the reader fails the pipeline with what to do instead of resuming silently on a new one.
    /// </summary>
    public Task<IReadOnlyList<TableId>> DiscoverTablesAsync(CancellationToken ct) =>
        RunAsync("discovering tables", async connection =>
        {
            var tables = await TableResolver.ResolveAsync(connection, _settings.Tables, ct);
            await PublicationSetup.EnsureAsync(connection, _settings, tables, ct, create: false);
            return tables;
        }, ct);

    /// <summary>
    /// Every table the publication publishes now, whatever <c>source.tables</c> says: a table an operator added with
    /// ALTER PUBLICATION ... ADD TABLE is captured and backfilled without a restart.
    /// </summary>
    public Task<IReadOnlyList<TableId>> PublishedTablesAsync(CancellationToken ct) =>
        RunAsync("listing the publication's tables", async connection =>
        {
            await using var cmd = new NpgsqlCommand("SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1, 2", connection);
            cmd.Parameters.Add(new NpgsqlParameter { Value = _settings.Publication });
            var tables = new List<TableId>();
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) tables.Add(new TableId(reader.GetString(0), reader.GetString(1)));
            return (IReadOnlyList<TableId>)tables;
        }, ct);

    /// <summary>The slot's positions and holder, with the server's current WAL position.</summary>
    public Task<SlotState> ReadSlotAsync(CancellationToken ct) =>
        RunAsync("reading the replication slot", async connection => (await SlotQueries.ReadAsync(connection, _settings.Slot, ct)).State, ct);

    /// <summary>
    /// Writes a non-transactional <c>pg_logical_emit_message</c> that the stream delivers as a <see cref="LogicalMessage"/>
    /// with prefix <see cref="HeartbeatPrefix"/>; confirming it lets an idle slot advance. Returns the LSN the server reported.
    /// </summary>
    public Task<Lsn> EmitHeartbeatAsync(CancellationToken ct) =>
        RunAsync("writing a heartbeat", async connection =>
        {
            await using var cmd = new NpgsqlCommand($"SELECT pg_logical_emit_message(false, '{HeartbeatPrefix}', now()::text)", connection);
            var lsn = (NpgsqlLogSequenceNumber)(await cmd.ExecuteScalarAsync(ct))!;
            return new Lsn((ulong)lsn);
        }, ct);

    private async Task<T> RunAsync<T>(string doing, Func<NpgsqlConnection, Task<T>> work, CancellationToken ct)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            return await work(connection);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw PostgresErrors.Classify(e, _settings.ConnectionString, doing, FailureKind.Fatal);
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
