using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using Npgsql;
using NpgsqlTypes;
using ActorCdc.Sink.Postgres.Target;

namespace ActorCdc.Sink.Postgres.Positions;

/// <summary>
/// The bookkeeping table <c>&lt;schema&gt;.applied_positions</c>: per pipeline and source table, the position up to
/// which the sink holds the changes. Written in the same transaction as the rows, which makes replays harmless.
/// </summary>
internal sealed class AppliedPositionsTable
{
    private readonly string _schema;
    private readonly string _createSql;
    private readonly string _lockSql;
    private readonly string _readSql;
    private readonly string _storeSql;

    public AppliedPositionsTable(string schema)
    {
        _schema = schema;
        QualifiedName = $"{TableId.QuoteIdent(schema)}.applied_positions";
        _createSql =
            $"CREATE TABLE IF NOT EXISTS {QualifiedName} (pipeline text NOT NULL, source_table text NOT NULL, " +
            "commit_lsn bigint NOT NULL, change_index bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), " +
            "PRIMARY KEY (pipeline, source_table))";
        _readSql = $"SELECT commit_lsn, change_index FROM {QualifiedName} WHERE pipeline = $1 AND source_table = $2";
        _lockSql = _readSql + " FOR UPDATE";
        _storeSql =
            $"INSERT INTO {QualifiedName} (pipeline, source_table, commit_lsn, change_index, updated_at) VALUES ($1, $2, $3, $4, now()) " +
            "ON CONFLICT (pipeline, source_table) DO UPDATE SET commit_lsn = EXCLUDED.commit_lsn, " +
            "change_index = EXCLUDED.change_index, updated_at = EXCLUDED.updated_at";
    }

    public string QualifiedName { get; }

    /// <summary>Creates the schema and table when missing, without needing CREATE on the database when they exist.</summary>
    public async Task EnsureAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var probe = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection))
        {
            probe.Parameters.Add(new NpgsqlParameter { Value = QualifiedName });
            if ((bool)(await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!) return;
        }
        await DdlRetry.RunAsync(async () =>
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await SchemaDdl.EnsureSchemaAsync(connection, _schema, cancellationToken).ConfigureAwait(false);
            await using (var create = new NpgsqlCommand(_createSql, connection))
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>Reads the stored position, locking its row until the transaction ends.</summary>
    public NpgsqlBatchCommand LockCommand(string pipeline, TableId source) => Keyed(_lockSql, pipeline, source);

    /// <summary>Reads the stored position without locking.</summary>
    public NpgsqlCommand ReadCommand(NpgsqlConnection connection, string pipeline, TableId source)
    {
        var cmd = new NpgsqlCommand(_readSql, connection);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = pipeline });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = source.ToString() });
        return cmd;
    }

    /// <summary>Upserts <paramref name="position"/> for the source table.</summary>
    public NpgsqlBatchCommand StoreCommand(string pipeline, TableId source, SourcePosition position)
    {
        var cmd = Keyed(_storeSql, pipeline, source);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = unchecked((long)position.CommitLsn.Value) });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = position.Index });
        return cmd;
    }

    /// <summary>Reads a position row at the reader's current result; <see cref="SourcePosition.Start"/> when there is none.</summary>
    public static async Task<SourcePosition> ReadPositionAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return SourcePosition.Start;
        // LSNs are stored as bigint: the cast round-trips every ulong bit pattern.
        return new SourcePosition(new Lsn(unchecked((ulong)reader.GetInt64(0))), reader.GetInt64(1));
    }

    private static NpgsqlBatchCommand Keyed(string sql, string pipeline, TableId source)
    {
        var cmd = new NpgsqlBatchCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = pipeline });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = source.ToString() });
        return cmd;
    }
}
