using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using Npgsql;

namespace ActorCdc.Source.Postgres.Admin;

/// <summary>
/// Makes sure the publication exists, publishes every operation, and includes every captured table. It must exist
/// before the slot: pgoutput reads publications with the catalog as of each change, so changes made before the
/// publication was created cannot be decoded.
/// </summary>
internal static class PublicationSetup
{
    private const string PublicationQuery = "SELECT puballtables, pubinsert, pubupdate, pubdelete, pubtruncate FROM pg_publication WHERE pubname = @pub";

    private const string MembersQuery = """
        SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = @pub
        UNION
        SELECT n.nspname, c.relname
        FROM pg_publication p JOIN pg_publication_rel r ON r.prpubid = p.oid
        JOIN pg_class c ON c.oid = r.prrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE p.pubname = @pub
        """;

    /// <summary>
    /// With <paramref name="create"/> off (table discovery while running), a missing publication is left missing: the
    /// reader reports it, since one recreated behind the operator's back would hide that changes were lost.
    /// </summary>
    public static async Task EnsureAsync(NpgsqlConnection connection, PostgresSourceSettings settings, IReadOnlyList<TableId> tables, CancellationToken ct, bool create = true)
    {
        var name = settings.Publication;
        var quoted = TableId.QuoteIdent(name);
        var existing = await ReadAsync(connection, name, ct);
        if (existing is null && !create) return;
        if (existing is null)
        {
            var list = string.Join(", ", tables.Select(t => t.Quoted));
            if (!settings.CreatePublication)
                throw CdcException.Fatal(
                    $"source.publication = \"{name}\" does not exist in database \"{connection.Database}\" and source.create-publication is off; run CREATE PUBLICATION {quoted} FOR TABLE {list}; or set source.create-publication = on.");
            try
            {
                await ExecuteAsync(connection, $"CREATE PUBLICATION {quoted} FOR TABLE {list}", ct);
                return;
            }
            catch (PostgresException e) when (CreatedConcurrently(e))
            {
                // Another node created it meanwhile; fall through and make sure it holds our tables.
                existing = await ReadAsync(connection, name, ct);
                if (existing is null) throw;
            }
        }

        var (allTables, publishesEverything) = existing.Value;
        if (!publishesEverything)
            throw CdcException.Fatal(
                $"source.publication = \"{name}\" does not publish every operation; run ALTER PUBLICATION {quoted} SET (publish = 'insert, update, delete, truncate'); and restart.");
        if (allTables) return;

        for (var attempt = 1; ; attempt++)
        {
            var missing = await MissingAsync(connection, name, tables, ct);
            if (missing.Count == 0) return;
            try
            {
                await ExecuteAsync(connection, $"ALTER PUBLICATION {quoted} ADD TABLE {string.Join(", ", missing)}", ct);
                return;
            }
            catch (PostgresException e) when (CreatedConcurrently(e) && attempt < 3)
            {
                // Another node added some of them meanwhile: look again.
            }
        }
    }

    /// <summary>
    /// Two nodes starting the same pipeline at once: the loser of a concurrent CREATE PUBLICATION or ADD TABLE gets
    /// duplicate_object, or a unique violation of the catalog's index when both inserted before either committed.
    /// </summary>
    private static bool CreatedConcurrently(PostgresException e) =>
        e.SqlState is PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.UniqueViolation;

    private static async Task<List<string>> MissingAsync(NpgsqlConnection connection, string name, IReadOnlyList<TableId> tables, CancellationToken ct)
    {
        var members = new HashSet<TableId>();
        await using (var cmd = new NpgsqlCommand(MembersQuery, connection))
        {
            cmd.Parameters.AddWithValue("pub", name);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) members.Add(new TableId(reader.GetString(0), reader.GetString(1)));
        }
        return tables.Where(t => !members.Contains(t)).Select(t => t.Quoted).ToList();
    }

    private static async Task<(bool AllTables, bool PublishesEverything)?> ReadAsync(NpgsqlConnection connection, string name, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(PublicationQuery, connection);
        cmd.Parameters.AddWithValue("pub", name);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return (reader.GetBoolean(0), reader.GetBoolean(1) && reader.GetBoolean(2) && reader.GetBoolean(3) && reader.GetBoolean(4));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
