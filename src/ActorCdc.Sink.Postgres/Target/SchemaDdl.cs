using ActorCdc.Core.Schema;
using Npgsql;

namespace ActorCdc.Sink.Postgres.Target;

/// <summary>Creates a schema only when it is missing: CREATE SCHEMA checks the CREATE privilege even with IF NOT EXISTS.</summary>
internal static class SchemaDdl
{
    public static async Task EnsureSchemaAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)", connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = schema });
        if ((bool)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!) return;
        await using var create = new NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS {TableId.QuoteIdent(schema)}", connection);
        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
