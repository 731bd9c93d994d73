using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using Npgsql;

namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>What the snapshot side needs to know of a table from <c>pg_class</c>: its oid, kind and replica identity.</summary>
internal sealed record RelationInfo(TableId Table, uint Oid, char Kind, char ReplicaIdentity)
{
    /// <summary>Selects a table by name; parameters are <c>@schema</c> and <c>@name</c>.</summary>
    public const string Query = """
        SELECT c.oid, c.relkind, c.relreplident
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = @schema AND c.relname = @name
        """;

    /// <summary>
    /// The FROM item: a plain table without its inheritance children (pgoutput publishes each of them as a table of its
    /// own), a partitioned table with its partitions (it has no rows of its own).
    /// </summary>
    public string From => Kind == 'p' ? Table.Quoted : "ONLY " + Table.Quoted;

    public static void AddParameters(NpgsqlCommand cmd, TableId table)
    {
        cmd.Parameters.AddWithValue("schema", table.Schema);
        cmd.Parameters.AddWithValue("name", table.Name);
    }

    public static async Task<RelationInfo> ResolveAsync(NpgsqlConnection connection, TableId table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(Query, connection);
        AddParameters(cmd, table);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw Missing(table, connection);
        return Read(reader, table, connection);
    }

    /// <summary>Reads the row of <see cref="Query"/> the reader is on; refuses anything that is not a table.</summary>
    public static RelationInfo Read(NpgsqlDataReader reader, TableId table, NpgsqlConnection connection)
    {
        var info = new RelationInfo(table, reader.GetFieldValue<uint>(0), reader.GetChar(1), reader.GetChar(2));
        if (info.Kind is not ('r' or 'p'))
            throw CdcException.Fatal(
                $"{table} in database \"{connection.Database}\" is not a table (relkind '{info.Kind}'), so it cannot be captured; remove it from source.tables.");
        return info;
    }

    public static CdcException Missing(TableId table, NpgsqlConnection connection) =>
        CdcException.Fatal(
            $"table {table} does not exist in database \"{connection.Database}\"; it was dropped or renamed: fix source.tables (schema.table, case-sensitive) or create the table.");
}
