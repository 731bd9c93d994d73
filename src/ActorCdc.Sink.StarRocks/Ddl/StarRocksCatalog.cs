using System.Data.Common;
using ActorCdc.Core.Failures;
using MySqlConnector;

namespace ActorCdc.Sink.StarRocks.Ddl;

/// <summary>
/// The FE's MySQL-protocol side: existence checks, table descriptions from information_schema.COLUMNS, DDL, and
/// waiting for asynchronous ALTER TABLE jobs through <c>SHOW ALTER TABLE COLUMN</c>.
/// </summary>
internal sealed class StarRocksCatalog : IAsyncDisposable
{
    private readonly MySqlDataSource _dataSource;
    private readonly StarRocksSinkSettings _settings;
    private readonly string _pipeline;

    public StarRocksCatalog(StarRocksSinkSettings settings, string pipeline)
    {
        _settings = settings;
        _pipeline = pipeline;
        var builder = new MySqlConnectionStringBuilder
        {
            Server = settings.MySqlHost,
            Port = (uint)settings.MySqlPort,
            UserID = settings.Username,
            Password = settings.Password,
            SslMode = MySqlSslMode.Preferred,
            // The sink keeps no session state, and StarRocks need not support COM_RESET_CONNECTION.
            ConnectionReset = false,
            ConnectionTimeout = (uint)Math.Max(1, settings.ConnectTimeout.TotalSeconds),
            DefaultCommandTimeout = 60,
            Pooling = true,
            MaximumPoolSize = 4,
        };
        _dataSource = new MySqlDataSource(builder.ConnectionString);
    }

    public string Endpoint => $"{_settings.MySqlHost}:{_settings.MySqlPort}";

    public async Task<bool> DatabaseExistsAsync(string database, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(TableDdl.DatabaseExists(database), 1, cancellationToken).ConfigureAwait(false);
        return rows.Count > 0;
    }

    /// <summary>The table's columns in order, or null when it does not exist.</summary>
    public async Task<IReadOnlyList<ExistingColumn>?> DescribeAsync(string database, string table, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(TableDdl.DescribeColumns(database, table), 5, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0) return null;
        var columns = new List<ExistingColumn>(rows.Count);
        foreach (var r in rows)
            columns.Add(new ExistingColumn(r[0] ?? "", r[1] ?? "", string.Equals(r[2], "YES", StringComparison.OrdinalIgnoreCase),
                string.Equals(r[3], "PRI", StringComparison.OrdinalIgnoreCase), r[4]));
        return columns;
    }

    public async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = new MySqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Polls the table's latest column alter job until FINISHED (or none is listed: fast schema evolution finishes at
    /// once); CANCELLED throws fatal, and a job still running after <c>sink.schema-change-timeout</c> throws transient.
    /// </summary>
    public async Task WaitForAlterJobAsync(string database, string table, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _settings.SchemaChangeTimeout;
        var sql = TableDdl.ShowAlterJob(database, table);
        while (true)
        {
            var (state, message) = await LatestAlterJobAsync(sql, cancellationToken).ConfigureAwait(false);
            if (state is null or "FINISHED") return;
            if (state == "CANCELLED")
                throw CdcException.Fatal(
                    $"Pipeline '{_pipeline}': StarRocks cancelled the ALTER TABLE job on {database}.{table} ({message}); " +
                    "fix the cause StarRocks gives, or set sink.schema-change = ignore and change the table by hand.");
            if (DateTime.UtcNow >= deadline)
                throw CdcException.Transient(
                    $"Pipeline '{_pipeline}': the ALTER TABLE job on {database}.{table} is still {state} after {_settings.SchemaChangeTimeout}; " +
                    "the write waits and retries; check the job with SHOW ALTER TABLE COLUMN or raise sink.schema-change-timeout.");
            await Task.Delay(_settings.SchemaChangePollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The version StarRocks reports (<c>current_version()</c>), or null when it cannot tell.</summary>
    public async Task<string?> VersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            var rows = await QueryAsync("SELECT current_version()", 1, cancellationToken).ConfigureAwait(false);
            return rows.Count > 0 ? rows[0][0] : null;
        }
        catch (MySqlException)
        {
            return null;
        }
    }

    private async Task<(string? State, string? Message)> LatestAlterJobAsync(string sql, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = new MySqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return (null, null);
            return (Column(reader, "State")?.ToUpperInvariant(), Column(reader, "Msg"));
        }
    }

    private static string? Column(DbDataReader reader, string name)
    {
        for (var i = 0; i < reader.FieldCount; i++)
            if (string.Equals(reader.GetName(i), name, StringComparison.OrdinalIgnoreCase))
                return reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
        return null;
    }

    private async Task<List<string?[]>> QueryAsync(string sql, int columns, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = new MySqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<string?[]>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = new string?[columns];
                for (var i = 0; i < columns && i < reader.FieldCount; i++)
                    row[i] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
                rows.Add(row);
            }
            return rows;
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
