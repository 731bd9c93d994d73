using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using ActorCdc.Source.Postgres.Snapshots;
using ActorCdc.Testing;
using Npgsql;
using Xunit;

namespace ActorCdc.Source.Postgres.Tests.Snapshots;

/// <summary>
/// A chunk read gives exactly the text pgoutput would send, from a snapshot that sees exactly the transactions committed
/// before it; keyless tables are read in one pass from an exported snapshot; bounds survive any quoting.
/// </summary>
public class ChunkReaderTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private static readonly Func<IReadOnlyList<ColumnValue[]>, CancellationToken, ValueTask> Ignore = (_, _) => ValueTask.CompletedTask;

    private static async Task<string> ScalarTextAsync(NpgsqlConnection connection, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    private static async Task<List<ColumnValue[]>> ReadAllAsync(ChunkReader reader, TableKey key, TableSchema schema, ChunkRange range, CancellationToken ct)
    {
        var rows = new List<ColumnValue[]>();
        await reader.ReadAsync(key, schema, range, 1000, (batch, _) =>
        {
            rows.AddRange(batch);
            return ValueTask.CompletedTask;
        }, ct);
        return rows;
    }

    [Fact]
    public async Task Every_type_reads_as_exactly_the_text_the_wal_decoder_delivers()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server, TypeDecodingTests.Setup, ["typed"]);
        await h.OpenAsync();
        await h.ExecuteAsync(TypeDecodingTests.Rows);
        var wal = new Dictionary<string, ColumnValue[]>();
        TableSchema? walSchema = null;
        while (wal.Count < 8)
            foreach (var b in (await h.NextTransactionAsync()).Batches)
            {
                walSchema = b.Batch.Schema;
                foreach (var change in b.Batch.Changes) wal[change.New![0].Text!] = change.New;
            }

        await using var db = SnapshotDatabase.Open(h.Server, h.Database);
        var table = new TableId("public", "typed");
        var schema = await db.Splitter.ReadSchemaAsync(table, db.Deadline);
        Assert.True(walSchema!.SameShapeAs(schema), $"WAL {walSchema} but catalog {schema}");

        var expected = await db.ExpectedRowsAsync("SELECT * FROM typed ORDER BY id");
        // Every decoding, so that the one measured against the default is known to be exact too.
        var reader = await db.ReaderAsync();
        foreach (var decoding in Enum.GetValues<CopyDecoding>())
        {
            reader.Decoding = decoding;
            var chunks = await db.SplitAndReadAsync(table, 3, batchRows: 2);
            Assert.Equal(3, chunks.Count);
            var rows = chunks.SelectMany(c => c.Rows).ToList();
            Assert.Equal(expected.Count, rows.Count);
            for (var i = 0; i < rows.Count; i++)
            {
                var id = rows[i][0].Text!;
                for (var c = 0; c < schema.Columns.Count; c++)
                {
                    var want = expected[i][c] is { } text ? ColumnValue.FromText(text) : ColumnValue.Null;
                    Assert.True(want == rows[i][c], $"{decoding}: row {id} column {schema.Columns[c].Name}: PostgreSQL prints [{want}], the chunk read [{rows[i][c]}]");
                    Assert.True(wal[id][c] == rows[i][c], $"{decoding}: row {id} column {schema.Columns[c].Name}: the WAL carried [{wal[id][c]}], the chunk read [{rows[i][c]}]");
                }
            }
        }
    }

    [Fact]
    public async Task The_snapshot_sees_exactly_the_transactions_committed_before_the_read_including_their_stream_xids()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server,
            "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 10);", ["t"]);
        await h.OpenAsync();
        await using var db = SnapshotDatabase.Open(h.Server, h.Database);
        var table = new TableId("public", "t");
        var key = await db.Splitter.DescribeKeyAsync(table, db.Deadline);
        var schema = await db.Splitter.ReadSchemaAsync(table, db.Deadline);
        var reader = await db.ReaderAsync();

        await using var open = new NpgsqlConnection(db.ConnectionString);
        await open.OpenAsync(db.Deadline);
        await using var openTx = await open.BeginTransactionAsync(db.Deadline);
        await ScalarTextAsync(open, "INSERT INTO t VALUES (100)");
        var openXid = ulong.Parse(await ScalarTextAsync(open, "SELECT pg_current_xact_id()::text"));

        await using var done = new NpgsqlConnection(db.ConnectionString);
        await done.OpenAsync(db.Deadline);
        await using (var doneTx = await done.BeginTransactionAsync(db.Deadline))
        {
            await ScalarTextAsync(done, "INSERT INTO t VALUES (200)");
            await doneTx.CommitAsync(db.Deadline);
        }
        var doneXid = ulong.Parse(await ScalarTextAsync(done, "SELECT xmin::text FROM t WHERE id = 200"));

        var result = await reader.ReadAsync(key, schema, ChunkRange.All, 1000, Ignore, db.Deadline);
        var rows = await ReadAllAsync(reader, key, schema, ChunkRange.All, db.Deadline);
        Assert.Equal(11, result.Rows);
        Assert.Equal([.. Enumerable.Range(1, 10).Select(i => i.ToString()), "200"], rows.Select(r => r[0].Text));
        var snapshot = result.Snapshot;
        Assert.Contains(openXid, snapshot.InProgress);
        Assert.False(snapshot.IsVisible(openXid));
        Assert.False(snapshot.IsVisible((uint)openXid));
        Assert.True(snapshot.IsVisible(doneXid));

        await openTx.CommitAsync(db.Deadline);
        // The stream's 32-bit xids answer the same: the committed one visible, the one still open at the read not.
        var first = await h.NextTransactionAsync();
        var second = await h.NextTransactionAsync();
        Assert.Equal("200", first.Changes.Single().Change.New![0].Text);
        Assert.Equal("100", second.Changes.Single().Change.New![0].Text);
        Assert.Equal((uint)doneXid, first.Begun.Xid);
        Assert.Equal((uint)openXid, second.Begun.Xid);
        Assert.True(snapshot.IsVisible(first.Begun.Xid));
        Assert.False(snapshot.IsVisible(second.Begun.Xid));

        var after = await reader.ReadAsync(key, schema, ChunkRange.All, 1000, Ignore, db.Deadline);
        Assert.Equal(12, after.Rows);
        Assert.True(after.Snapshot.IsVisible(second.Begun.Xid));
        Assert.True(after.Snapshot.Xmin >= snapshot.Xmin);
    }

    [Fact]
    public async Task A_keyless_full_table_is_read_whole_from_an_exported_snapshot()
    {
        await using var db = await SnapshotDatabase.CreateAsync(pg.Server, """
            CREATE TABLE f (a int, b text);
            ALTER TABLE f REPLICA IDENTITY FULL;
            INSERT INTO f VALUES (1, 'x'), (1, 'x'), (NULL, NULL), (2, E'a\\b'), (3, '');
            INSERT INTO f SELECT g, 'r' || g FROM generate_series(1, 2500) g;
            """);
        var table = new TableId("public", "f");
        var key = await db.Splitter.DescribeKeyAsync(table, db.Deadline);
        Assert.Equal(KeyKind.FullRowNoKey, key.Kind);
        var schema = await db.Splitter.ReadSchemaAsync(table, db.Deadline);
        var reader = await db.ReaderAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => reader.ReadAsync(key, schema, ChunkRange.All, 10, Ignore, db.Deadline));

        await using var open = new NpgsqlConnection(db.ConnectionString);
        await open.OpenAsync(db.Deadline);
        await using var openTx = await open.BeginTransactionAsync(db.Deadline);
        await ScalarTextAsync(open, "INSERT INTO f VALUES (-1, 'uncommitted')");
        var openXid = ulong.Parse(await ScalarTextAsync(open, "SELECT pg_current_xact_id()::text"));

        var batches = new List<int>();
        var rows = new List<ColumnValue[]>();
        var result = await reader.ReadWholeTableAsync(schema, 1000, (batch, _) =>
        {
            batches.Add(batch.Count);
            rows.AddRange(batch);
            return ValueTask.CompletedTask;
        }, db.Deadline);
        Assert.Equal([1000, 1000, 505], batches);
        Assert.Equal(2505, result.Rows);
        Assert.False(result.Snapshot.IsVisible(openXid));
        Assert.False(result.Snapshot.IsVisible((uint)openXid));
        var expected = await db.ExpectedRowsAsync("SELECT * FROM f WHERE a IS DISTINCT FROM -1");
        Assert.Equal(expected.Select(SnapshotDatabase.Line).Order(StringComparer.Ordinal), rows.Select(SnapshotDatabase.Line).Order(StringComparer.Ordinal));
        await openTx.RollbackAsync(db.Deadline);

        // The exporting connection ended with the import: no transaction of the reader is left open.
        Assert.Equal(0L, await db.Server.ScalarAsync<long>(db.Database,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'actorcdc-chunk' AND state <> 'idle'"));
    }

    [Fact]
    public async Task An_inheritance_parent_reads_only_its_own_rows_and_a_partitioned_table_reads_its_partitions()
    {
        await using var db = await SnapshotDatabase.CreateAsync(pg.Server, """
            CREATE TABLE parent (id int PRIMARY KEY, v text);
            CREATE TABLE child (extra int) INHERITS (parent);
            INSERT INTO parent VALUES (1, 'p'), (3, 'p');
            INSERT INTO child VALUES (2, 'c', 0);
            CREATE TABLE parted (id int PRIMARY KEY, v text) PARTITION BY RANGE (id);
            CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100);
            CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (100) TO (1000);
            INSERT INTO parted SELECT g, 'v' FROM generate_series(1, 300) g;
            """);
        var parent = await db.SplitAndReadAsync(new TableId("public", "parent"), 1);
        Assert.Equal(["1", "3"], parent.SelectMany(c => c.Rows).Select(r => r[0].Text));

        var parted = await db.SplitAndReadAsync(new TableId("public", "parted"), 70);
        Assert.Equal(5, parted.Count);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => i.ToString()), parted.SelectMany(c => c.Rows).Select(r => r[0].Text));
    }

    [Theory]
    [InlineData("on")]
    [InlineData("off")]
    public async Task Bounds_that_need_quoting_round_trip_exactly_whatever_standard_conforming_strings_says(string standardConformingStrings)
    {
        await using var db = await SnapshotDatabase.CreateAsync(pg.Server, $$"""
            DO $$ BEGIN
              EXECUTE format('ALTER DATABASE %I SET standard_conforming_strings = {{standardConformingStrings}}', current_database());
              EXECUTE format('ALTER DATABASE %I SET DateStyle = ''SQL, DMY''', current_database());
              EXECUTE format('ALTER DATABASE %I SET extra_float_digits = -3', current_database());
            END $$;
            CREATE TABLE words (k text PRIMARY KEY, n int);
            CREATE TABLE mixed (b bytea, c char(4), f float8, t timestamptz, x numeric, d date, v text,
                                PRIMARY KEY (b, c, f, t, x, d));
            INSERT INTO mixed
            SELECT ('{"\\x00","\\x27","\\x5c","\\x","\\xffee"}'::bytea[])[1 + g % 5],
                   (ARRAY['a', '''', '\', 'a b ']::char(4)[])[1 + g % 4],
                   ('{0.1,-1e-300,NaN,Infinity,-Infinity,1.7976931348623157e308,5e-324}'::float8[])[1 + g % 7],
                   ('{-infinity,infinity,"2024-02-29 13:14:15.123456+00","4713-01-01 00:00:00+00 BC"}'::timestamptz[])[1 + g % 4],
                   ('{NaN,0.000000000000000000001,-123456789012345678901234567890.123}'::numeric[])[1 + g % 3],
                   ('{-infinity,2024-02-29}'::date[])[1 + g % 2],
                   'row ' || g
            FROM generate_series(0, 59) g;
            """);
        string[] words =
        [
            "", "'", "''", "\\", "\\\\", "\\'", "'\\", "E'x'", "e'\\''", "\\x41", "\\u0041", "\\U0001F389", "\\n", "\\\n", "$$", "$tag$", "--", "/*", "*/",
            "a'); DROP TABLE words; --", "\u65e5\u672c\u8a9e", "\U0001F389", "e\u0301", "\u200Frtl", "tab\there", "new\nline", "cr\rhere", " lead", "trail ",
            "NULL", "null", "\"quoted\"", "{}", "(1,2)", "%s", "?", ":name", "@p", "\u00a0nbsp", "\uFFFD", "\u0001ctl",
        ];
        // Unpooled: database settings apply to new sessions only, and the pool holds the one that ran the setup.
        await using (var conn = new NpgsqlConnection(db.ConnectionString + ";Pooling=false"))
        {
            await conn.OpenAsync(db.Deadline);
            Assert.Equal(standardConformingStrings, await ScalarTextAsync(conn, "SHOW standard_conforming_strings"));
            for (var i = 0; i < words.Length; i++)
            {
                await using var cmd = new NpgsqlCommand("INSERT INTO words VALUES ($1, $2)", conn);
                cmd.Parameters.AddWithValue(words[i]);
                cmd.Parameters.AddWithValue(i);
                await cmd.ExecuteNonQueryAsync(db.Deadline);
            }
        }

        // Chunks of one row: every value becomes a bound that must find exactly its own row again.
        var chunks = await db.SplitAndReadAsync(new TableId("public", "words"), 1);
        Assert.Equal(words.Length, chunks.Count);
        var ordered = (await db.ExpectedRowsAsync("SELECT k FROM words ORDER BY k")).Select(r => r[0]!).ToList();
        Assert.Equal(words.Order(StringComparer.Ordinal), ordered.Order(StringComparer.Ordinal));
        Assert.Equal(ordered, chunks.Select(c => c.Rows.Single()[0].Text!));
        for (var i = 1; i < chunks.Count; i++)
            Assert.Equal(chunks[i].Rows.Single()[0].Text, chunks[i].Range.LowInclusive!.Values[0]);

        var mixed = await db.SplitAndReadAsync(new TableId("public", "mixed"), 1);
        Assert.Equal(60, mixed.Count);
        Assert.All(mixed, c => Assert.Single(c.Rows));
        var expected = await db.ExpectedRowsAsync("SELECT * FROM mixed");
        Assert.Equal(expected.Select(SnapshotDatabase.Line).Order(StringComparer.Ordinal),
            mixed.SelectMany(c => c.Rows).Select(SnapshotDatabase.Line).Order(StringComparer.Ordinal));
        // The literal form itself: a doubled quote and a doubled backslash inside an escape string, nothing else.
        Assert.Equal(@"E'a''b\\c'::text", SqlLiteral.Quote(@"a'b\c", "text"));
        Assert.Throws<ArgumentException>(() => SqlLiteral.Quote("nul\0", "text"));
    }

    [Fact]
    public async Task A_failing_callback_or_a_cancellation_ends_the_read_and_the_next_read_works()
    {
        await using var db = await SnapshotDatabase.CreateAsync(pg.Server, """
            CREATE TABLE t (id int PRIMARY KEY, pad text);
            INSERT INTO t SELECT g, repeat('x', 100) FROM generate_series(1, 100000) g;
            """);
        var table = new TableId("public", "t");
        var key = await db.Splitter.DescribeKeyAsync(table, db.Deadline);
        var schema = await db.Splitter.ReadSchemaAsync(table, db.Deadline);
        var reader = await db.ReaderAsync();

        var boom = new InvalidTimeZoneException("the callee failed");
        var thrown = await Assert.ThrowsAsync<InvalidTimeZoneException>(() =>
            reader.ReadAsync(key, schema, ChunkRange.All, 1000, (_, _) => throw boom, db.Deadline));
        Assert.Same(boom, thrown);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(db.Deadline);
        var batches = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            reader.ReadAsync(key, schema, ChunkRange.All, 1000, (_, _) =>
            {
                if (++batches == 2) cts.Cancel();
                return ValueTask.CompletedTask;
            }, cts.Token));
        Assert.Equal(2, batches);

        var rows = await reader.ReadAsync(key, schema, new ChunkRange(new KeyValue("50001"), null), 1000, Ignore, db.Deadline);
        Assert.Equal(50000, rows.Rows);
        Assert.Equal(0L, await db.Server.ScalarAsync<long>(db.Database,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'actorcdc-chunk' AND state <> 'idle'"));
    }

    [Fact]
    public async Task A_refused_login_is_a_fatal_error_naming_the_setting()
    {
        var e = await Assert.ThrowsAsync<CdcException>(() => ChunkReader.OpenAsync(pg.Server.ConnectionString(password: "wrong")));
        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains("source.connection-string", e.Message);
        Assert.DoesNotContain("wrong", e.Message);
    }

    [Fact]
    public async Task A_table_dropped_and_created_again_since_its_schema_was_read_is_refused()
    {
        await using var db = await SnapshotDatabase.CreateAsync(pg.Server, "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);");
        var table = new TableId("public", "t");
        var key = await db.Splitter.DescribeKeyAsync(table, db.Deadline);
        var schema = await db.Splitter.ReadSchemaAsync(table, db.Deadline);
        await db.ExecuteAsync("DROP TABLE t; CREATE TABLE t (id int PRIMARY KEY);");
        var reader = await db.ReaderAsync();
        var e = await Assert.ThrowsAsync<CdcException>(() => reader.ReadAsync(key, schema, ChunkRange.All, 10, Ignore, db.Deadline));
        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains("dropped and created again", e.Message);
        await db.ExecuteAsync("DROP TABLE t");
        e = await Assert.ThrowsAsync<CdcException>(() => reader.ReadAsync(key, schema, ChunkRange.All, 10, Ignore, db.Deadline));
        Assert.Contains("does not exist", e.Message);
    }
}
