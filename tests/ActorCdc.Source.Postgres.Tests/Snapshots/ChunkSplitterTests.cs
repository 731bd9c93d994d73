using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using ActorCdc.Source.Postgres.Snapshots;
using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.Source.Postgres.Tests.Snapshots;

/// <summary>
/// Keys are found as DESIGN.md §3.4 says, and chunks hold at most the target however keys are distributed, cover
/// every row exactly once, and leave no gap in the key space.
/// </summary>
public class ChunkSplitterTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private Task<SnapshotDatabase> CreateAsync(string sql) => SnapshotDatabase.CreateAsync(pg.Server, sql);

    /// <summary>Splits and reads the whole table and checks every chunk rule against the table's own rows.</summary>
    private static async Task<List<(ChunkRange Range, List<ColumnValue[]> Rows)>> AssertChunkedAsync(
        SnapshotDatabase db, string table, int chunkSize, int expectedRows)
    {
        var id = TableId.Parse(table);
        var chunks = await db.SplitAndReadAsync(id, chunkSize);
        var expected = await db.ExpectedRowsAsync($"SELECT * FROM {id.Quoted}");
        Assert.Equal(expectedRows, expected.Count);

        Assert.Equal((expectedRows + chunkSize - 1) / chunkSize, chunks.Count);
        for (var i = 0; i < chunks.Count; i++)
        {
            var (range, rows) = chunks[i];
            // Exactly the target except the last: a boundary is the key chunkSize rows further on.
            if (i < chunks.Count - 1) Assert.True(rows.Count == chunkSize, $"chunk {i} {range} holds {rows.Count} rows, not {chunkSize}");
            else Assert.InRange(rows.Count, 1, chunkSize);
            // Contiguous, open at both ends: the key space has no gap.
            Assert.Equal(i == 0 ? null : chunks[i - 1].Range.HighExclusive, range.LowInclusive);
        }
        Assert.Null(chunks[^1].Range.HighExclusive);

        var read = chunks.SelectMany(c => c.Rows).Select(SnapshotDatabase.Line).ToList();
        Assert.Equal(read.Count, read.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(expected.Select(SnapshotDatabase.Line).Order(StringComparer.Ordinal), read.Order(StringComparer.Ordinal));
        return chunks;
    }

    [Fact]
    public async Task Int_keys_split_into_chunks_of_exactly_the_target_and_the_key_is_the_primary_key()
    {
        await using var db = await CreateAsync("""
            CREATE TABLE t (v text, id int PRIMARY KEY);
            INSERT INTO t SELECT 'v' || g, g FROM generate_series(1, 1000) g;
            """);
        var key = await db.Splitter.DescribeKeyAsync(new TableId("public", "t"), db.Deadline);
        Assert.Equal(KeyKind.PrimaryKey, key.Kind);
        Assert.Equal([new KeyColumn("id", 23, "integer", 1)], key.Columns);

        var chunks = await AssertChunkedAsync(db, "t", 97, 1000);
        Assert.Equal(new KeyValue("98"), chunks[0].Range.HighExclusive);
        Assert.Equal("98", chunks[1].Rows[0][1].Text);
    }

    [Fact]
    public async Task Composite_text_int_keys_split_by_row_comparison_in_index_order()
    {
        // The key's index order (k, n) differs from the column order (n before k).
        await using var db = await CreateAsync("""
            CREATE TABLE c (n int, v text, k text, PRIMARY KEY (k, n));
            INSERT INTO c SELECT g % 7, 'v' || g, 'key ' || (g % 13) FROM generate_series(1, 91) g;
            INSERT INTO c SELECT g, 'dense', 'key 5' FROM generate_series(100, 400) g;
            """);
        var key = await db.Splitter.DescribeKeyAsync(new TableId("public", "c"), db.Deadline);
        Assert.Equal([new KeyColumn("k", 25, "text", 2), new KeyColumn("n", 23, "integer", 0)], key.Columns);

        var chunks = await AssertChunkedAsync(db, "c", 40, 91 + 301);
        // Boundaries fall inside runs of one k value: the second column decides there.
        Assert.Contains(chunks, c => c.Range.HighExclusive is { } h && h.Values[0] == "key 5");
    }

    [Fact]
    public async Task Uuid_keys_split_evenly()
    {
        await using var db = await CreateAsync("""
            CREATE TABLE u (id uuid PRIMARY KEY, n int);
            INSERT INTO u SELECT gen_random_uuid(), g FROM generate_series(1, 777) g;
            """);
        await AssertChunkedAsync(db, "u", 64, 777);
    }

    [Fact]
    public async Task A_skewed_distribution_keeps_every_chunk_at_the_target()
    {
        // 90% of the rows in a narrow range, the rest spread over a billion.
        await using var db = await CreateAsync("""
            CREATE TABLE s (id bigint PRIMARY KEY);
            INSERT INTO s SELECT g FROM generate_series(1, 4500) g;
            INSERT INTO s SELECT 1000000 + g * 2000000 FROM generate_series(1, 500) g;
            """);
        await AssertChunkedAsync(db, "s", 300, 5000);
    }

    [Fact]
    public async Task Sparse_keys_with_huge_gaps_split_by_rows_not_by_key_distance()
    {
        await using var db = await CreateAsync("""
            CREATE TABLE g (id bigint PRIMARY KEY, v text);
            INSERT INTO g VALUES (-9223372036854775808, 'min'), (1, 'a'), (2, 'b'), (1000000000000, 'c'), (1000000000000000, 'd'),
                                 (1000000000000001, 'e'), (4611686018427387904, 'f'), (9223372036854775807, 'max');
            """);
        var chunks = await AssertChunkedAsync(db, "g", 2, 8);
        Assert.Equal(["2", "1000000000000000", "4611686018427387904", null],
            chunks.Select(c => c.Range.HighExclusive?.Values[0]));
    }

    [Fact]
    public async Task An_empty_table_has_no_chunk_and_a_range_ends_at_its_until_bound()
    {
        await using var db = await CreateAsync("""
            CREATE TABLE e (id int PRIMARY KEY);
            CREATE TABLE r (id int PRIMARY KEY);
            INSERT INTO r SELECT g FROM generate_series(1, 1000) g;
            """);
        var empty = await db.Splitter.DescribeKeyAsync(new TableId("public", "e"), db.Deadline);
        Assert.Null(await db.Splitter.NextChunkAsync(empty, null, null, 10, db.Deadline));
        Assert.Empty(await db.SplitAndReadAsync(new TableId("public", "e"), 10));

        // A sub-range [100, 200): chunks stop at its until bound, and an empty sub-range has none.
        var key = await db.Splitter.DescribeKeyAsync(new TableId("public", "r"), db.Deadline);
        var ranges = new List<ChunkRange>();
        KeyValue? from = new("100");
        var until = new KeyValue("200");
        while (await db.Splitter.NextChunkAsync(key, from, until, 30, db.Deadline) is { } range)
        {
            ranges.Add(range);
            from = range.HighExclusive;
            Assert.True(ranges.Count < 10, "the sub-range does not end");
        }
        Assert.Equal(["[(100), (130))", "[(130), (160))", "[(160), (190))", "[(190), (200))"], ranges.Select(r => r.ToString()));
        Assert.Null(await db.Splitter.NextChunkAsync(key, new KeyValue("2000"), null, 30, db.Deadline));
        Assert.Equal(new ChunkRange(new KeyValue("500"), new KeyValue("501")),
            await db.Splitter.NextChunkAsync(key, new KeyValue("500"), new KeyValue("501"), 30, db.Deadline));
        Assert.Null(await db.Splitter.NextChunkAsync(key, new KeyValue("500"), new KeyValue("500"), 30, db.Deadline));
    }

    [Fact]
    public async Task A_replica_identity_index_is_the_key_without_a_primary_key_and_full_means_no_key()
    {
        await using var db = await CreateAsync(""""
            CREATE TABLE ui (a int NOT NULL, b text NOT NULL, c text, u int UNIQUE);
            CREATE UNIQUE INDEX ui_ba ON ui (b, a) INCLUDE (c);
            ALTER TABLE ui REPLICA IDENTITY USING INDEX ui_ba;
            INSERT INTO ui SELECT g, 'b' || (g % 5), 'c', g FROM generate_series(1, 50) g;
            CREATE TABLE pk_and_full (id int PRIMARY KEY, v text);
            ALTER TABLE pk_and_full REPLICA IDENTITY FULL;
            CREATE TABLE f (a int, b text, UNIQUE (a));
            ALTER TABLE f REPLICA IDENTITY FULL;
            CREATE TABLE bare (a int, b text, UNIQUE (a));
            CREATE TABLE "Odd ""name""" (id int);
            CREATE VIEW v AS SELECT 1 AS id;
            """");
        var ui = await db.Splitter.DescribeKeyAsync(new TableId("public", "ui"), db.Deadline);
        Assert.Equal(KeyKind.ReplicaIdentityIndex, ui.Kind);
        Assert.Equal([new KeyColumn("b", 25, "text", 1), new KeyColumn("a", 23, "integer", 0)], ui.Columns);
        await AssertChunkedAsync(db, "ui", 7, 50);

        var pkAndFull = await db.Splitter.DescribeKeyAsync(new TableId("public", "pk_and_full"), db.Deadline);
        Assert.Equal(KeyKind.PrimaryKey, pkAndFull.Kind);

        var f = await db.Splitter.DescribeKeyAsync(new TableId("public", "f"), db.Deadline);
        Assert.Equal(KeyKind.FullRowNoKey, f.Kind);
        Assert.Empty(f.Columns);
        Assert.False(f.IsChunkable);
        await Assert.ThrowsAsync<ArgumentException>(() => db.Splitter.NextChunkAsync(f, null, null, 10, db.Deadline));

        var bare = await Assert.ThrowsAsync<CdcException>(() => db.Splitter.DescribeKeyAsync(new TableId("public", "bare"), db.Deadline));
        Assert.Equal(FailureKind.Fatal, bare.Kind);
        Assert.Contains("""ALTER TABLE "public"."bare" REPLICA IDENTITY FULL;""", bare.Message);
        Assert.Contains("ADD PRIMARY KEY", bare.Message);
        var odd = await Assert.ThrowsAsync<CdcException>(() => db.Splitter.DescribeKeyAsync(new TableId("public", "Odd \"name\""), db.Deadline));
        Assert.Contains(""""ALTER TABLE "public"."Odd ""name""" REPLICA IDENTITY FULL;"""", odd.Message);

        var missing = await Assert.ThrowsAsync<CdcException>(() => db.Splitter.DescribeKeyAsync(new TableId("public", "nope"), db.Deadline));
        Assert.Equal(FailureKind.Fatal, missing.Kind);
        Assert.Contains("does not exist", missing.Message);
        var view = await Assert.ThrowsAsync<CdcException>(() => db.Splitter.ReadSchemaAsync(new TableId("public", "v"), db.Deadline));
        Assert.Contains("not a table", view.Message);
    }

    [Fact]
    public async Task Row_estimates_come_from_statistics_or_an_exact_count_of_a_small_table_never_analyzed()
    {
        await using var db = await CreateAsync("""
            CREATE TABLE never (id int PRIMARY KEY);
            INSERT INTO never SELECT g FROM generate_series(1, 1234) g;
            CREATE TABLE analyzed (id int PRIMARY KEY, pad text);
            INSERT INTO analyzed SELECT g, repeat('x', 50) FROM generate_series(1, 20000) g;
            ANALYZE analyzed;
            CREATE TABLE empty (id int PRIMARY KEY);
            CREATE TABLE parted (id int PRIMARY KEY) PARTITION BY RANGE (id);
            CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (1000);
            CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (1000) TO (5000);
            INSERT INTO parted SELECT g FROM generate_series(0, 2999) g;
            ANALYZE parted_1;
            """);
        Assert.Equal(1234, await db.Splitter.EstimateRowsAsync(new TableId("public", "never"), db.Deadline));
        Assert.InRange(await db.Splitter.EstimateRowsAsync(new TableId("public", "analyzed"), db.Deadline), 19000, 21000);
        Assert.Equal(0, await db.Splitter.EstimateRowsAsync(new TableId("public", "empty"), db.Deadline));
        Assert.InRange(await db.Splitter.EstimateRowsAsync(new TableId("public", "parted"), db.Deadline), 2900, 3100);
    }
}
