using ActorCdc.Core.Failures;
using ActorCdc.Source.Postgres.Connections;
using Npgsql;
using NpgsqlTypes;

namespace ActorCdc.Source.Postgres.Catalog;

/// <summary>
/// Looks up what pgoutput's Relation messages leave out (type names and kinds, primary keys) over an ordinary
/// connection, caching types by (oid, typmod). Relation messages are rare, so one round trip per message is cheap.
/// </summary>
internal sealed class TypeCatalog
{
    private const string TypeQuery = """
        SELECT u.oid, u.typmod, format_type(u.oid, u.typmod), t.typtype, e.typtype
        FROM unnest(@oids, @typmods) AS u(oid, typmod)
        LEFT JOIN pg_type t ON t.oid = u.oid
        LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
        """;

    // Key attributes only: INCLUDE columns of the index are not part of the key, and pgoutput does not flag them either.
    private const string PrimaryKeyQuery = """
        SELECT a.attname
        FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = @relid AND i.indisprimary AND k.ord <= i.indnkeyatts
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _connectionString;
    private readonly Dictionary<(uint Oid, int TypMod), PgTypeInfo> _types = new();

    public TypeCatalog(NpgsqlDataSource dataSource, string connectionString)
    {
        _dataSource = dataSource;
        _connectionString = connectionString;
    }

    /// <summary>Describes each (oid, typmod) pair, in order.</summary>
    public async Task<PgTypeInfo[]> DescribeAsync(IReadOnlyList<(uint Oid, int TypMod)> columns, CancellationToken ct)
    {
        var missing = new List<(uint, int)>();
        foreach (var c in columns)
            if (!_types.ContainsKey(c) && !missing.Contains(c)) missing.Add(c);
        if (missing.Count > 0) await LoadAsync(missing, ct);
        var result = new PgTypeInfo[columns.Count];
        for (var i = 0; i < result.Length; i++) result[i] = _types[columns[i]];
        return result;
    }

    /// <summary>Forgets a type, so a renamed or altered type is looked up again (pgoutput sends a Type message then).</summary>
    public void Forget(uint oid)
    {
        List<(uint, int)>? stale = null;
        foreach (var key in _types.Keys)
            if (key.Oid == oid) (stale ??= new()).Add(key);
        if (stale is not null) foreach (var key in stale) _types.Remove(key);
    }

    /// <summary>Names of the table's primary key columns (empty when it has none).</summary>
    public async Task<HashSet<string>> PrimaryKeyAsync(uint relationId, CancellationToken ct)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await using var cmd = _dataSource.CreateCommand(PrimaryKeyQuery);
            cmd.Parameters.Add(new NpgsqlParameter<uint>("relid", NpgsqlDbType.Oid) { TypedValue = relationId });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) names.Add(reader.GetString(0));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw PostgresErrors.Classify(e, _connectionString, "looking up a primary key", FailureKind.Transient);
        }
        return names;
    }

    private async Task LoadAsync(List<(uint Oid, int TypMod)> missing, CancellationToken ct)
    {
        var oids = new uint[missing.Count];
        var typmods = new int[missing.Count];
        for (var i = 0; i < missing.Count; i++) (oids[i], typmods[i]) = missing[i];
        try
        {
            await using var cmd = _dataSource.CreateCommand(TypeQuery);
            cmd.Parameters.Add(new NpgsqlParameter<uint[]>("oids", NpgsqlDbType.Array | NpgsqlDbType.Oid) { TypedValue = oids });
            cmd.Parameters.Add(new NpgsqlParameter<int[]>("typmods", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = typmods });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var key = (reader.GetFieldValue<uint>(0), reader.GetInt32(1));
                // A type dropped since the change was written is gone from the catalog: keep its oid visible.
                var name = reader.IsDBNull(2) ? $"oid:{key.Item1}" : reader.GetString(2);
                var kind = reader.IsDBNull(3) ? '\0' : reader.GetChar(3);
                var elementKind = reader.IsDBNull(4) ? '\0' : reader.GetChar(4);
                _types[key] = new PgTypeInfo(name, kind, elementKind);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw PostgresErrors.Classify(e, _connectionString, "looking up column types", FailureKind.Transient);
        }
        foreach (var key in missing)
            _types.TryAdd(key, new PgTypeInfo($"oid:{key.Oid}", '\0', '\0'));
    }
}
