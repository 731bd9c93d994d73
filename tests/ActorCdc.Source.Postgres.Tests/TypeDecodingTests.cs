using ActorCdc.Core.Changes;
using ActorCdc.Testing;
using Npgsql;
using Xunit;

namespace ActorCdc.Source.Postgres.Tests;

/// <summary>Every value reaches the consumer exactly as PostgreSQL prints it, whatever the type.</summary>
public class TypeDecodingTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    // Database defaults unlike the source's session settings: output must not depend on them.
    // Setup and Rows are shared with Snapshots/ChunkReaderTests: chunk reads must print every type the same way.
    internal const string Setup = """
        DO $$ BEGIN
          EXECUTE format('ALTER DATABASE %I SET DateStyle = ''SQL, DMY''', current_database());
          EXECUTE format('ALTER DATABASE %I SET IntervalStyle = iso_8601', current_database());
          EXECUTE format('ALTER DATABASE %I SET extra_float_digits = -3', current_database());
          EXECUTE format('ALTER DATABASE %I SET TimeZone = ''Asia/Kolkata''', current_database());
        END $$;
        CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy "quoted"');
        CREATE TABLE typed (
            id int PRIMARY KEY,
            i2 int2, i4 int4, i8 int8,
            n_c numeric(12, 2), n_u numeric,
            t text, vc varchar(10), ch char(5),
            b bool, f4 float4, f8 float8,
            d date, tm time, ttz timetz, ts timestamp, tstz timestamptz, iv interval,
            u uuid, j json, jb jsonb, by bytea, e mood,
            a_i4 int4[], a_t text[], a_n numeric[], a_tstz timestamptz[], a_b bool[], a_f8 float8[],
            a_d date[], a_u uuid[], a_e mood[], a_jb jsonb[], a_by bytea[], a_iv interval[]);
        """;

    internal const string Rows = """
        INSERT INTO typed VALUES
        (1, 1, 2, 3, 1234.5, 1.5, 'plain', 'short', 'ab', true, 1.5, 2.25,
         '2024-02-29', '13:14:15.123456', '13:14:15+02', '2024-02-29 13:14:15.5', '2024-02-29 13:14:15.123456+00', '1 day 02:03:04',
         'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2.50, "x"]}', '{"b": {"c": null}, "a": 1.10}', '\x00ff10', 'ok',
         '{1,2,3}', '{a,b}', '{1.5,NaN}', '{"2024-01-01 00:00:00+00"}', '{t,f}', '{0.1,1e-300}',
         '{2024-01-01,infinity}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{sad,ok}', ARRAY['{"k": 1}'::jsonb], ARRAY['\x01'::bytea], '{"1 mon","-2 days"}'),
        (2, -32768, 2147483647, -9223372036854775808, -9999999999.99, 'NaN', E'tab\there\nnew line\\back slash\r', 'ünïcødé', 'x', false, 'NaN', 'Infinity',
         'infinity', '24:00:00', '00:00:00-15:59', '-infinity', 'infinity', '-178000000 years',
         '00000000-0000-0000-0000-000000000000', '[]', '[]', '\x', 'happy "quoted"',
         '{NULL,-1,NULL}', ARRAY['needs "quotes"', 'comma,here', NULL, '', 'back\slash', 'NULL', ' spaced ', E'new\nline', '{brace}'],
         '{NULL}', '{infinity,-infinity}', '{NULL,t}', '{NaN,Infinity,-Infinity}',
         '{-infinity}', '{NULL}', ARRAY['happy "quoted"'::mood, NULL], ARRAY[NULL, '"s"'::jsonb], ARRAY[NULL, '\x'::bytea], '{}'),
        (3, 0, -1, 1, 0.01, '123456789012345678901234567890.123456789012345678901234567890', '🎉 emoji 日本語 ' || repeat('x', 3000), 'tenchars!!', 'abcde', NULL, 0.1, 1e-300,
         '4713-01-01 BC', '00:00:00.000001', '23:59:59.999999+14', '0044-03-15 12:00:00.000001 BC', '2024-02-29 23:59:59.999999+05:30',
         '-1 years 2 mons -3 days 04:05:06.789', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '  {"spaces" :  true}  ', '{"n": 1e+400}',
         decode(repeat('ff00', 500), 'hex'), 'sad',
         '{{1,2},{3,4}}', '{"",NULL}', '{1e-300,-0.0000001}', '{"0044-03-15 12:00:00 BC"}', '{}', '{4.9e-324,1.7976931348623157e308}',
         '{"4713-01-01 BC"}', '{}', '{}', '{}', '{}', '{"-00:00:00.000001"}'),
        (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (5, 32767, -2147483648, 9223372036854775807, 0, '-0.000000000000000000001', '', '', '', true, '-Infinity', 0.1,
         '0001-01-01', '23:59:59.999999', '12:00:00-00:30', '294276-12-31 23:59:59.999999', '4714-11-24 00:00:00+00 BC', '0',
         'ffffffff-ffff-ffff-ffff-ffffffffffff', '"string \u00e9 \\ \" "', '"string \u00e9 \\ \" "', '\x5c', NULL,
         '{}', '{"\\"}', '{Infinity,-Infinity}', '{}', '{}', '{-0}', '{}', '{}', '{}', '{}', '{}', '{}');
        INSERT INTO typed (id, n_u, f8, f4) VALUES (6, 'Infinity', -0.0, 3.4028235e38), (7, '-Infinity', 5e-324, 1.4e-45),
            (8, 1e-300, 123456789.123456789, 0.30000001);
        """;

    [Fact]
    public async Task Every_type_decodes_to_exactly_the_text_postgres_prints_with_the_same_session_settings()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server, Setup, ["typed"]);
        await h.OpenAsync();
        await h.ExecuteAsync(Rows);
        // The same rows once more through the update path.
        await h.ExecuteAsync("UPDATE typed SET id = id + 100");

        var inserted = new Dictionary<string, ColumnValue[]>();
        var updated = new Dictionary<string, ColumnValue[]>();
        while (inserted.Count < 8 || updated.Count < 8)
        {
            foreach (var (_, change) in (await h.NextTransactionAsync()).Changes)
            {
                var target = change.Kind == ChangeKind.Insert ? inserted : updated;
                target[change.New![0].Text!] = change.New;
            }
        }

        await using (var plain = new NpgsqlConnection(h.Server.ConnectionString(h.Database) + ";Pooling=false"))
        {
            await plain.OpenAsync(h.Deadline);
            await using var probe = new NpgsqlCommand("SELECT date '2024-02-29'::text", plain);
            Assert.Equal("29/02/2024", await probe.ExecuteScalarAsync(h.Deadline));
        }
        var schema = (await ExpectedAsync(h, "SELECT * FROM typed WHERE false")).Columns;
        var expected = await ExpectedAsync(h, "SELECT * FROM typed ORDER BY id");
        Assert.Equal(8, expected.Rows.Count);
        foreach (var row in expected.Rows)
        {
            var id = row[0]!;
            var viaUpdate = (int.Parse(id) - 100).ToString();
            var actual = updated[id];
            var actualInsert = inserted[viaUpdate];
            for (var c = 0; c < schema.Count; c++)
            {
                Assert.True(Text(actual[c]) == row[c], $"row {id} column {schema[c]}: expected [{row[c]}], got [{Text(actual[c])}]");
                if (c > 0)
                    Assert.True(Text(actualInsert[c]) == row[c], $"inserted row {viaUpdate} column {schema[c]}: expected [{row[c]}], got [{Text(actualInsert[c])}]");
            }
        }
    }

    [Fact]
    public async Task Schema_describes_types_as_format_type_prints_them_with_their_kinds()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server, Setup, ["typed"]);
        await h.OpenAsync();
        await h.ExecuteAsync("INSERT INTO typed (id) VALUES (1)");

        var schema = (await h.NextTransactionAsync()).Batches.Single().Batch.Schema;
        var byName = schema.Columns.ToDictionary(c => c.Name);
        Assert.Equal("numeric(12,2)", byName["n_c"].TypeName);
        Assert.Equal("character varying(10)", byName["vc"].TypeName);
        Assert.Equal("character(5)", byName["ch"].TypeName);
        Assert.Equal("timestamp with time zone", byName["tstz"].TypeName);
        Assert.Equal("mood", byName["e"].TypeName);
        Assert.Equal('e', byName["e"].TypeKind);
        Assert.Equal("mood[]", byName["a_e"].TypeName);
        Assert.Equal('b', byName["a_e"].TypeKind);
        Assert.Equal('e', byName["a_e"].ElementTypeKind);
        Assert.Equal('b', byName["a_i4"].ElementTypeKind);
        Assert.Equal('\0', byName["i4"].ElementTypeKind);
        Assert.Equal(1700u, byName["n_c"].TypeOid);
        Assert.Equal(12 * 65536 + 2 + 4, byName["n_c"].TypeModifier);
        Assert.True(byName["id"].IsKey);
    }

    private static string? Text(ColumnValue v) => v.Kind switch
    {
        ValueKind.Text => v.Text,
        ValueKind.Null => null,
        _ => "<" + v.Kind + ">",
    };

    /// <summary>
    /// Each column through its type's output function, which is what pgoutput sends. (<c>col::text</c> differs for a
    /// few types with dedicated casts: bool gives 'true', char(n) drops trailing blanks; <c>concat</c> does not.)
    /// </summary>
    private static async Task<(List<string> Columns, List<string?[]> Rows)> ExpectedAsync(SourceHarness h, string query)
    {
        await using var conn = new NpgsqlConnection(h.SessionConnectionString);
        await conn.OpenAsync(h.Deadline);
        var columns = new List<string>();
        await using (var probe = new NpgsqlCommand($"SELECT * FROM ({query}) q LIMIT 0", conn))
        await using (var r = await probe.ExecuteReaderAsync(h.Deadline))
            for (var i = 0; i < r.FieldCount; i++) columns.Add(r.GetName(i));
        var select = string.Join(", ", columns.Select(c => $"CASE WHEN q.{c} IS NULL THEN NULL ELSE concat(q.{c}) END"));
        var rows = new List<string?[]>();
        await using var cmd = new NpgsqlCommand($"SELECT {select} FROM ({query}) q", conn);
        await using var reader = await cmd.ExecuteReaderAsync(h.Deadline);
        while (await reader.ReadAsync(h.Deadline))
        {
            var row = new string?[columns.Count];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetString(i);
            rows.Add(row);
        }
        return (columns, rows);
    }
}
