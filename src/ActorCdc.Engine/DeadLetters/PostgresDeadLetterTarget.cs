using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using Npgsql;
using NpgsqlTypes;

namespace ActorCdc.Engine.DeadLetters;

/// <summary>
/// Dead letters in a PostgreSQL table (created with its schema when missing), one row per rejected change, each inserted in its own
/// transaction before <see cref="WriteAsync"/> returns. The primary key (pipeline, source table, position) makes a
/// replayed rejection after a restart a no-op.
/// </summary>
public sealed class PostgresDeadLetterTarget : IDeadLetterTarget
{
    private readonly string _connectionString;
    private readonly string _table;
    private readonly string? _schema;
    private bool _created;

    public PostgresDeadLetterTarget(string connectionString, string table)
    {
        _connectionString = connectionString;
        var dot = table.IndexOf('.');
        _table = dot < 0 ? TableId.QuoteIdent(table) : new TableId(table[..dot], table[(dot + 1)..]).Quoted;
        _schema = dot < 0 ? null : TableId.QuoteIdent(table[..dot]);
    }

    public async Task<bool> WriteAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(_connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (!_created)
            {
                await using var ddl = new NpgsqlCommand(
                    (_schema is null ? "" : $"CREATE SCHEMA IF NOT EXISTS {_schema}; ") +
                    $"CREATE TABLE IF NOT EXISTS {_table} (pipeline text NOT NULL, source_table text NOT NULL, position text NOT NULL, " +
                    "commit_lsn pg_lsn NOT NULL, change_index bigint NOT NULL, operation text NOT NULL, key jsonb NOT NULL, " +
                    "column_values jsonb NOT NULL, error text NOT NULL, dead_lettered_at timestamptz NOT NULL, " +
                    "PRIMARY KEY (pipeline, source_table, commit_lsn, change_index))", connection);
                await ddl.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                _created = true;
            }
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var insert = new NpgsqlCommand(
                $"INSERT INTO {_table} (pipeline, source_table, position, commit_lsn, change_index, operation, key, column_values, error, dead_lettered_at) " +
                "VALUES ($1, $2, $3, $4::text::pg_lsn, $5, $6, $7::jsonb, $8::jsonb, $9, $10) ON CONFLICT DO NOTHING", connection, tx);
            insert.Parameters.Add(new NpgsqlParameter { Value = letter.Pipeline });
            insert.Parameters.Add(new NpgsqlParameter { Value = letter.Table.ToString() });
            insert.Parameters.Add(new NpgsqlParameter { Value = letter.Position.ToString() });
            insert.Parameters.Add(new NpgsqlParameter { Value = letter.Position.CommitLsn.ToString() });
            insert.Parameters.Add(new NpgsqlParameter { Value = letter.Position.Index });
            insert.Parameters.Add(new NpgsqlParameter { Value = DeadLetterJson.Operation(letter.Operation) });
            insert.Parameters.Add(new NpgsqlParameter { Value = DeadLetterJson.Columns(letter.Key) });
            insert.Parameters.Add(new NpgsqlParameter { Value = DeadLetterJson.Columns(letter.Values) });
            insert.Parameters.Add(new NpgsqlParameter { Value = letter.Error });
            insert.Parameters.Add(new NpgsqlParameter { Value = letter.TimeUtc, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            var inserted = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            return inserted == 1;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            _created = false;
            throw CdcException.Transient($"writing a dead letter to the PostgreSQL table {_table} failed ({e.Message}); it is retried — " +
                "check delivery.dead-letter.connection-string and that the user may create and insert into that table.", e);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
