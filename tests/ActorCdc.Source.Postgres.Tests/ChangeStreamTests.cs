using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.Source.Postgres.Tests;

/// <summary>Row changes as the stream delivers them: framing, positions, batching, keys, TOAST.</summary>
public class ChangeStreamTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private static string Row(ColumnValue[]? values) => values is null ? "-" : string.Join("|", values);

    [Fact]
    public async Task Changes_of_two_tables_arrive_framed_in_order_with_increasing_positions_and_batched_per_table()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server,
            "CREATE TABLE a (id int PRIMARY KEY, v text); CREATE TABLE b (id int PRIMARY KEY, n int);",
            ["public.a", "b"], s => s with { MaxBatchRows = 2 });
        await h.OpenAsync();

        await h.ExecuteAsync("INSERT INTO a VALUES (1, 'x'), (2, 'y')");
        await h.ExecuteAsync("BEGIN; INSERT INTO a VALUES (3, 'z'); INSERT INTO b VALUES (10, 100), (11, 101); UPDATE a SET v = 'zz' WHERE id = 3; COMMIT;");
        await h.ExecuteAsync("DELETE FROM a WHERE id = 1");
        await h.ExecuteAsync("UPDATE b SET n = n + 1");
        await h.ExecuteAsync("TRUNCATE a, b");
        await h.ExecuteAsync("INSERT INTO b SELECT g, g FROM generate_series(20, 24) g");

        var txns = new List<CapturedTransaction>();
        for (var i = 0; i < 6; i++) txns.Add(await h.NextTransactionAsync());

        var last = SourcePosition.Start;
        foreach (var t in txns)
        {
            Assert.Equal(t.Begun.CommitLsn, t.Committed.CommitLsn);
            Assert.True(t.Committed.EndLsn > t.Committed.CommitLsn);
            long index = 0;
            foreach (var (_, change) in t.Changes)
            {
                Assert.Equal(new SourcePosition(t.Begun.CommitLsn, index++), change.Position);
                Assert.True(change.Position > last, $"{change.Position} after {last}");
                last = change.Position;
            }
            foreach (var batch in t.Batches)
            {
                Assert.InRange(batch.Batch.Changes.Count, 1, 2);
                Assert.Equal(batch.Batch.Changes.Sum(c => c.ApproximateBytes), batch.Batch.ApproximateBytes);
            }
        }

        Assert.Equal(["public.a:Insert:1|x", "public.a:Insert:2|y"], Describe(txns[0]));
        Assert.Equal(["public.a:Insert:3|z", "public.b:Insert:10|100", "public.b:Insert:11|101", "public.a:Update:3|zz"], Describe(txns[1]));
        Assert.Equal([["public.a"], ["public.b"], ["public.a"]], BatchTables(txns[1]));
        Assert.Equal(["public.a:Delete:old=1|<absent>"], Describe(txns[2]));
        Assert.Equal(["public.b:Update:10|101", "public.b:Update:11|102"], Describe(txns[3]));
        Assert.Equal(["public.a:Truncate:", "public.b:Truncate:"], Describe(txns[4]).Order());
        Assert.Equal(2, txns[4].Batches.Count());
        Assert.Equal([2, 2, 1], txns[5].Batches.Select(b => b.Batch.Changes.Count));

        var schema = txns[1].Batches.First().Batch.Schema;
        Assert.Equal(new TableId("public", "a"), schema.Table);
        Assert.Equal(ReplicaIdentity.Default, schema.ReplicaIdentity);
        Assert.Equal(["id integer key", "v text"], schema.Columns.Select(c => $"{c.Name} {c.TypeName}{(c.IsKey ? " key" : "")}"));
        Assert.Equal([23u, 25u], schema.Columns.Select(c => c.TypeOid));
        Assert.Equal(['b', 'b'], schema.Columns.Select(c => c.TypeKind));
    }

    [Fact]
    public async Task Update_that_leaves_a_large_toasted_value_unchanged_marks_it_unchanged_toast()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server,
            "CREATE TABLE toasty (id int PRIMARY KEY, big text, n int);", ["toasty"]);
        await h.OpenAsync();

        // Random hex does not compress, so 1 MB stays 1 MB out of line.
        await h.ExecuteAsync("INSERT INTO toasty SELECT 1, string_agg(md5(random()::text), ''), 1 FROM generate_series(1, 32768)");
        await h.ExecuteAsync("UPDATE toasty SET n = 2 WHERE id = 1");

        var insert = (await h.NextTransactionAsync()).Changes.Single().Change;
        var stored = await h.Server.ScalarAsync<string>(h.Database, "SELECT big FROM toasty WHERE id = 1");
        Assert.Equal(1024 * 1024, stored!.Length);
        Assert.Equal(stored, insert.New![1].Text);

        var update = (await h.NextTransactionAsync()).Changes.Single().Change;
        Assert.Equal(ChangeKind.Update, update.Kind);
        Assert.Equal("1|<unchanged toast>|2", Row(update.New));
        Assert.Equal(ValueKind.UnchangedToast, update.New![1].Kind);
        Assert.Null(update.Old);
    }

    [Fact]
    public async Task Keys_travel_with_key_changing_updates_and_deletes_and_full_identity_sends_whole_old_rows()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server, """
            CREATE TABLE k (id int PRIMARY KEY, v text, w int);
            CREATE TABLE f (id int, v text);
            ALTER TABLE f REPLICA IDENTITY FULL;
            CREATE TABLE fk (id int PRIMARY KEY, v text);
            ALTER TABLE fk REPLICA IDENTITY FULL;
            CREATE TABLE ui (u int NOT NULL, v text);
            CREATE UNIQUE INDEX ui_u ON ui (u);
            ALTER TABLE ui REPLICA IDENTITY USING INDEX ui_u;
            """, ["k", "f", "fk", "ui"]);
        await h.OpenAsync();

        await h.ExecuteAsync("INSERT INTO k VALUES (1, 'a', 1)");
        await h.ExecuteAsync("UPDATE k SET id = 2 WHERE id = 1");
        await h.ExecuteAsync("UPDATE k SET v = 'b' WHERE id = 2");
        await h.ExecuteAsync("DELETE FROM k WHERE id = 2");
        await h.ExecuteAsync("INSERT INTO f VALUES (1, 'a'); UPDATE f SET v = 'b'; DELETE FROM f;");
        await h.ExecuteAsync("INSERT INTO fk VALUES (1, 'a'); UPDATE fk SET v = 'b'; DELETE FROM fk;");
        await h.ExecuteAsync("INSERT INTO ui VALUES (7, 'a'); UPDATE ui SET u = 8; DELETE FROM ui;");

        var changes = new List<(string Table, RowChange Change)>();
        TableSchema? f = null, fk = null, ui = null;
        while (changes.Count < 13)
        {
            var t = await h.NextTransactionAsync();
            changes.AddRange(t.Changes);
            foreach (var b in t.Batches)
                switch (b.Batch.Table.Name)
                {
                    case "f": f = b.Batch.Schema; break;
                    case "fk": fk = b.Batch.Schema; break;
                    case "ui": ui = b.Batch.Schema; break;
                }
        }

        Assert.Equal([
            "public.k:Insert:1|a|1",
            "public.k:Update:2|a|1:old=1|<absent>|<absent>",
            "public.k:Update:2|b|1",
            "public.k:Delete:old=2|<absent>|<absent>",
            "public.f:Insert:1|a",
            "public.f:Update:1|b:old=1|a",
            "public.f:Delete:old=1|b",
            "public.fk:Insert:1|a",
            "public.fk:Update:1|b:old=1|a",
            "public.fk:Delete:old=1|b",
            "public.ui:Insert:7|a",
            "public.ui:Update:8|a:old=7|<absent>",
            "public.ui:Delete:old=8|<absent>",
        ], changes.Select(c => Describe(c.Table, c.Change)));

        // FULL without a primary key has no key (append-only in the sink); FULL with one keeps the real key.
        Assert.Equal(ReplicaIdentity.Full, f!.ReplicaIdentity);
        Assert.False(f.HasKey);
        Assert.Equal([0], fk!.KeyIndexes);
        Assert.Equal(ReplicaIdentity.Index, ui!.ReplicaIdentity);
        Assert.Equal([0], ui.KeyIndexes);
    }

    [Fact]
    public async Task Transactional_messages_arrive_between_the_changes_they_were_written_between()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server, "CREATE TABLE a (id int PRIMARY KEY);", ["a"]);
        await h.OpenAsync();

        await h.ExecuteAsync("BEGIN; INSERT INTO a VALUES (1); SELECT pg_logical_emit_message(true, 'wm', 'low'); INSERT INTO a VALUES (2); COMMIT;");

        var t = await h.NextTransactionAsync();
        Assert.Collection(t.Events,
            e => Assert.Equal("1", Assert.IsType<TableChanges>(e).Batch.Changes.Single().New![0].Text),
            e =>
            {
                var m = Assert.IsType<LogicalMessage>(e);
                Assert.True(m.Transactional);
                Assert.Equal("wm", m.Prefix);
                Assert.Equal("low"u8.ToArray(), m.Content);
            },
            e => Assert.Equal("2", Assert.IsType<TableChanges>(e).Batch.Changes.Single().New![0].Text));
    }

    [Fact]
    public async Task Schema_changes_produce_a_new_schema_version_from_the_next_change_on_also_inside_streamed_transactions()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server, "CREATE TABLE a (id int PRIMARY KEY, v text);", ["a"]);
        await h.OpenAsync();

        await h.ExecuteAsync("INSERT INTO a VALUES (1, 'x')");
        await h.ExecuteAsync("BEGIN; INSERT INTO a VALUES (2, 'y'); ALTER TABLE a ADD COLUMN w int DEFAULT 5; INSERT INTO a VALUES (3, 'z', 7); COMMIT;");
        // Large enough to be streamed in chunks (logical_decoding_work_mem = 64kB), with the DDL in the middle.
        await h.ExecuteAsync("""
            BEGIN;
            INSERT INTO a SELECT g, 'before' FROM generate_series(100, 3099) g;
            ALTER TABLE a ADD COLUMN z numeric(5,1);
            INSERT INTO a SELECT g, 'after', g, 1.5 FROM generate_series(3100, 6099) g;
            COMMIT;
            """);
        await h.ExecuteAsync("INSERT INTO a VALUES (7000, 'later', 1, 2.5)");

        var first = (await h.NextTransactionAsync()).Batches.Single().Batch.Schema;
        var second = (await h.NextTransactionAsync()).Batches.ToList();
        Assert.Equal(2, second.Count);
        Assert.Same(first, second[0].Batch.Schema);
        Assert.Equal(["id", "v", "w"], second[1].Batch.Schema.Columns.Select(c => c.Name));
        Assert.Equal("3|z|7", Row(second[1].Batch.Changes.Single().New));

        var streamed = await h.NextTransactionAsync();
        Assert.True(h.Stream.StreamChunks > 1, "the transaction was not streamed");
        var rows = streamed.Batches.SelectMany(b => b.Batch.Changes.Select(c => (b.Batch.Schema, c))).ToList();
        Assert.Equal(6000, rows.Count);
        Assert.All(rows.Take(3000), r => Assert.Equal(3, r.Schema.Columns.Count));
        Assert.All(rows.Skip(3000), r => Assert.Equal(["id", "v", "w", "z"], r.Schema.Columns.Select(c => c.Name)));
        Assert.Equal("3100|after|3100|1.5", Row(rows[3000].c.New));
        Assert.Equal("numeric(5,1)", rows[^1].Schema.Columns[3].TypeName);

        var later = (await h.NextTransactionAsync()).Batches.Single().Batch;
        Assert.Equal("7000|later|1|2.5", Row(later.Changes.Single().New));
        Assert.Same(rows[^1].Schema, later.Schema);
    }

    private static IEnumerable<string> Describe(CapturedTransaction t) => t.Changes.Select(c => Describe(c.Table, c.Change));

    private static string Describe(string table, RowChange c) =>
        $"{table}:{c.Kind}:{(c.New is null ? "" : Row(c.New))}{(c.Old is null ? "" : (c.New is null ? "old=" : ":old=") + Row(c.Old))}";

    private static IEnumerable<string[]> BatchTables(CapturedTransaction t) =>
        t.Batches.Select(b => new[] { b.Batch.Table.ToString() });
}
