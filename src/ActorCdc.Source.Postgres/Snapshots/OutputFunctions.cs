using ActorCdc.Core.Schema;
using Npgsql;
using NpgsqlTypes;

namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// Selects columns as text through each type's output function, which is what pgoutput sends. A plain <c>::text</c>
/// cast is not the same for every type: bool gives <c>true</c> not <c>t</c>, char(n) drops its padding, inet adds
/// <c>/32</c>. Output functions never change for a type, so they are cached per type oid.
/// </summary>
internal sealed class OutputFunctions
{
    private const uint TextOid = 25;
    private const uint VarcharOid = 1043;

    private const string Query = """
        SELECT t.oid, quote_ident(n.nspname) || '.' || quote_ident(p.proname)
        FROM pg_type t JOIN pg_proc p ON p.oid = t.typoutput JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE t.oid = ANY (@oids)
        """;

    private readonly Dictionary<uint, string> _functions = new();

    /// <summary>Looks up the output functions of <paramref name="typeOids"/> not seen yet.</summary>
    public async Task EnsureAsync(NpgsqlConnection connection, IEnumerable<uint> typeOids, CancellationToken ct)
    {
        List<uint>? missing = null;
        foreach (var oid in typeOids)
            if (!IsVerbatim(oid) && !_functions.ContainsKey(oid) && !(missing ??= new()).Contains(oid)) missing.Add(oid);
        if (missing is null) return;
        await using (var cmd = new NpgsqlCommand(Query, connection))
        {
            cmd.Parameters.Add(new NpgsqlParameter<uint[]>("oids", NpgsqlDbType.Array | NpgsqlDbType.Oid) { TypedValue = missing.ToArray() });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) _functions[reader.GetFieldValue<uint>(0)] = reader.GetString(1);
        }
        foreach (var oid in missing)
            if (!_functions.ContainsKey(oid))
                throw Core.Failures.CdcException.Transient(
                    $"type oid {oid} no longer exists: the table was altered since its schema was read; read the schema again and retry the chunk.");
    }

    public Task EnsureAsync(NpgsqlConnection connection, TableSchema schema, CancellationToken ct)
    {
        var oids = new uint[schema.Columns.Count];
        for (var i = 0; i < oids.Length; i++) oids[i] = schema.Columns[i].TypeOid;
        return EnsureAsync(connection, oids, ct);
    }

    /// <summary>The SQL that yields column <paramref name="name"/> of type <paramref name="typeOid"/> as its exact text output.</summary>
    public string Expression(string name, uint typeOid)
    {
        var column = TableId.QuoteIdent(name);
        // text and varchar print themselves unchanged, and their binary COPY form is already the raw text.
        if (IsVerbatim(typeOid)) return column;
        return $"pg_catalog.textin({_functions[typeOid]}({column}))";
    }

    private static bool IsVerbatim(uint oid) => oid is TextOid or VarcharOid;
}
