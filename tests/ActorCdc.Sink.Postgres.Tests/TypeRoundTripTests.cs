using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Sink.Postgres.Tests.Support;
using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.Sink.Postgres.Tests;

/// <summary>Values of every supported type, edge values included, arrive in the target exactly as they are in the source.</summary>
public class TypeRoundTripTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private const string SourceDdl = """
        CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
        CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
        CREATE TYPE pair AS (a integer, b text);
        CREATE TABLE public.all_types (
            id integer PRIMARY KEY,
            i2 smallint, i4 integer, i8 bigint,
            n_c numeric(12,2), n_u numeric,
            txt text, vc varchar(20), ch char(5),
            b boolean, f4 real, f8 double precision,
            d date, ts timestamp, tstz timestamptz, tm time, tmtz timetz, iv interval,
            u uuid, j json, jb jsonb, by bytea,
            m mood, dm posint, cp pair,
            ai integer[], at text[], am mood[], an numeric[], ats timestamptz[], ab bytea[],
            bt bit(4), vb varbit, chs char(3)[]
        );
        INSERT INTO public.all_types VALUES
        (1, -32768, -2147483648, -9223372036854775808,
            -9999999999.99, 'NaN',
            E'tab\there\nnewline\\backslash\r cr "quote" ''apos''', 'héllo wörld ✓', 'ab',
            true, 'NaN', 'Infinity',
            'infinity', '4713-01-01 00:00:00 BC', '-infinity', '24:00:00', '23:59:59.999999+15:59', '-178000000 years',
            'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1,  "a": [2, 3] }', '{"b": [1, 2.50, null], "a": "x"}', '\x00ff5c0a',
            'happy', 1, '(1,"a b")',
            '{1,NULL,3}', '{"a,b","\"q\"",NULL,"NULL","","x y","back\\slash"}', '{sad,happy}', '{1.5,NaN,NULL}',
            '{"2020-01-01 00:00:00+00",infinity}', '{"\\x00",NULL}', B'1010', B'', '{ab," c",NULL}'),
        (2, 32767, 2147483647, 9223372036854775807,
            9999999999.99, '123456789012345678901234567890.123456789012345678901234567890000',
            '', '', '12345',
            false, '-Infinity', '1.7976931348623157e+308',
            '0044-03-15 BC', '294276-12-31 23:59:59.999999', '0001-01-01 00:00:00+00 BC', '00:00:00', '00:00:00-15:59',
            '1 year 2 mons -3 days 04:05:06.789',
            '00000000-0000-0000-0000-000000000000', '[]', '"\u00e9"', '\x',
            'sad', 2147483647, '(,)',
            '{}', '{}', '{}', '{}', '{}', '{}', B'0000', B'1', '{}'),
        (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
            NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (4, 0, 0, 0,
            0, '-Infinity',
            E'\\N', E'\\.', ' ',
            NULL, '1.17549435e-38', '-0',
            '2000-02-29', 'infinity', '2024-02-29 12:34:56.789012+05:30', '12:34:56.789', '12:00:00+00', '0',
            'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', 'null', 'null', '\x5c4e',
            'ok', 42, '(,"")',
            '{{1,2},{3,4}}', '{"{}",","}', '{ok}', '{Infinity,-Infinity}', '{-infinity}', '{}', B'1111', B'0101010101', '{"   "}'),
        (5, 1, 1, 1,
            0.01, 'Infinity',
            repeat('x', 10000), 'exactly twenty chars', 'é',
            true, '3.4028235e+38', '4.9406564584124654e-324',
            '1999-12-31', '2000-01-01 00:00:00.000001', '1970-01-01 00:00:00+00', '23:59:59.999999', '00:00:00.000001+00',
            '-1 days +23:59:59.999999', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', '{"nested": {"deep": [true, false, null]}}',
            '{"k": 1e3}', decode(repeat('ab', 5000), 'hex'),
            'happy', 3, '(-1,"with \"quote\"")',
            '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', NULL, NULL, '{NULL}');
        """;

    [Theory]
    [InlineData(PostgresBatchStrategy.Unnest)]
    [InlineData(PostgresBatchStrategy.CopyMerge)]
    [InlineData(PostgresBatchStrategy.MultiRowInsert)]
    public async Task Every_type_round_trips_exactly(PostgresBatchStrategy strategy)
    {
        var source = await pg.Server.CreateDatabaseAsync("source");
        await pg.Server.ExecuteAsync(source, SourceDdl);
        var table = new TableId("public", "all_types");
        var schema = await SourceTable.SchemaAsync(pg.Server, source, table);
        var rows = await SourceTable.RowsAsync(pg.Server, source, schema, "id");
        await using var h = await SinkHarness.StartAsync(pg.Server, strategy);
        var sink = h.SinkFor(schema);

        var changes = new List<RowChange>();
        foreach (var row in rows) changes.Add(new RowChange(ChangeKind.Insert, new SourcePosition(new Lsn(0x1000), changes.Count), row, null));
        await SinkHarness.ApplyAsync(sink, schema, changes, changes[^1].Position);

        var expected = await pg.Server.RowsAsTextAsync(source, "SELECT * FROM public.all_types ORDER BY id");
        Assert.Equal(5, expected.Count);
        AssertRows(expected, await h.RowsAsync("SELECT * FROM public.all_types ORDER BY id"));
    }

    [Fact]
    public async Task Every_type_matches_itself_in_keyless_deletes_and_updates()
    {
        var source = await pg.Server.CreateDatabaseAsync("source");
        await pg.Server.ExecuteAsync(source, SourceDdl);
        var table = new TableId("public", "all_types");
        var schema = await SourceTable.SchemaAsync(pg.Server, source, table, withKey: false);
        var rows = await SourceTable.RowsAsync(pg.Server, source, schema, "id");
        await using var h = await SinkHarness.StartAsync(pg.Server);
        var sink = h.SinkFor(schema);

        // Each row twice, then one copy of each deleted and the other replaced by itself with id + 10, by its full old row.
        var changes = new List<RowChange>();
        foreach (var row in rows)
        {
            changes.Add(new RowChange(ChangeKind.Insert, new SourcePosition(new Lsn(0x1000), changes.Count), row, null));
            changes.Add(new RowChange(ChangeKind.Insert, new SourcePosition(new Lsn(0x1000), changes.Count), row, null));
        }
        foreach (var row in rows)
        {
            var moved = (ColumnValue[])row.Clone();
            moved[0] = ColumnValue.FromText((int.Parse(row[0].Text!) + 10).ToString());
            changes.Add(new RowChange(ChangeKind.Delete, new SourcePosition(new Lsn(0x2000), changes.Count), null, row));
            changes.Add(new RowChange(ChangeKind.Update, new SourcePosition(new Lsn(0x2000), changes.Count), moved, row));
        }
        await SinkHarness.ApplyAsync(sink, schema, changes, changes[^1].Position);

        var expected = await pg.Server.RowsAsTextAsync(source, "SELECT id + 10, i2, i4, i8, n_c, n_u, txt, vc, ch, b, f4, f8, d, ts, tstz, tm, tmtz, iv, u, j, jb, by, m, dm, cp, ai, at, am, an, ats, ab, bt, vb, chs FROM public.all_types ORDER BY id");
        AssertRows(expected, await h.RowsAsync("SELECT * FROM public.all_types ORDER BY id"));
    }

    private static void AssertRows(List<string> expected, List<string> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i]);
    }
}
