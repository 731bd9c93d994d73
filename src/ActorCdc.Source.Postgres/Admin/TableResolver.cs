using System.Text;
using System.Text.RegularExpressions;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using Npgsql;

namespace ActorCdc.Source.Postgres.Admin;

/// <summary>
/// Resolves <c>source.tables</c> entries to existing tables and checks each can be published: it needs a primary
/// key, a REPLICA IDENTITY USING INDEX, or REPLICA IDENTITY FULL, or PostgreSQL would refuse its UPDATEs and DELETEs.
/// </summary>
internal static class TableResolver
{
    private const string Query = """
        SELECT n.nspname, c.relname, c.relispartition, c.relreplident,
               EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),
               EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
        """;

    public static async Task<IReadOnlyList<TableId>> ResolveAsync(NpgsqlConnection connection, IReadOnlyList<string> patterns, CancellationToken ct)
    {
        var all = await ReadTablesAsync(connection, ct);
        var chosen = new SortedDictionary<TableId, Candidate>();
        foreach (var pattern in patterns)
        {
            var wanted = TableId.Parse(pattern.Trim());
            if (wanted.Schema.Contains('*') || wanted.Name.Contains('*'))
            {
                var schema = Glob(wanted.Schema);
                var name = Glob(wanted.Name);
                var matched = 0;
                foreach (var t in all)
                {
                    // Partitions travel with their partitioned parent; a pattern picks parents and plain tables.
                    if (t.IsPartition || !schema.IsMatch(t.Id.Schema) || !name.IsMatch(t.Id.Name)) continue;
                    chosen[t.Id] = t;
                    matched++;
                }
                if (matched == 0)
                    throw CdcException.Fatal(
                        $"source.tables pattern \"{pattern}\" matches no table in database \"{connection.Database}\"; fix the pattern (schema.* or schema.prefix*, case-sensitive) or create the tables first.");
            }
            else
            {
                var found = all.Find(t => t.Id.Equals(wanted));
                if (found is null)
                    throw CdcException.Fatal(
                        $"source.tables names \"{pattern}\", but table {wanted} does not exist in database \"{connection.Database}\"; fix the name (schema.table, case-sensitive) or create the table.");
                chosen[found.Id] = found;
            }
        }
        CheckReplicaIdentity(chosen.Values);
        return chosen.Keys.ToList();
    }

    private static void CheckReplicaIdentity(IEnumerable<Candidate> tables)
    {
        var refused = new List<TableId>();
        foreach (var t in tables)
        {
            var ok = t.ReplicaIdentity switch
            {
                'f' => true,
                'i' => t.HasReplicaIdentityIndex,
                'd' => t.HasPrimaryKey,
                _ => false,
            };
            if (!ok) refused.Add(t.Id);
        }
        if (refused.Count == 0) return;
        var fix = new StringBuilder();
        foreach (var id in refused) fix.Append($"ALTER TABLE {id.Quoted} REPLICA IDENTITY FULL; ");
        throw CdcException.Fatal(
            $"source.tables includes {string.Join(", ", refused)} without a primary key or replica identity, so PostgreSQL would refuse {(refused.Count == 1 ? "its" : "their")} UPDATEs and DELETEs once published; " +
            $"add a primary key (ALTER TABLE ... ADD PRIMARY KEY (...)) or run `{fix.ToString().TrimEnd()}` and restart.");
    }

    private static async Task<List<Candidate>> ReadTablesAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var tables = new List<Candidate>();
        await using var cmd = new NpgsqlCommand(Query, connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            tables.Add(new Candidate(new TableId(reader.GetString(0), reader.GetString(1)), reader.GetBoolean(2),
                reader.GetChar(3), reader.GetBoolean(4), reader.GetBoolean(5)));
        return tables;
    }

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);

    private sealed record Candidate(TableId Id, bool IsPartition, char ReplicaIdentity, bool HasPrimaryKey, bool HasReplicaIdentityIndex);
}
