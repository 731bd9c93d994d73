using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>Changes committed in PostgreSQL reach a PostgreSQL sink through a real node process, compared row by row.</summary>
public class StreamingTests(E2eFixture pg) : IClassFixture<E2eFixture>
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(60);

    private static async Task<NodeProcess> StartNodeAsync(Scenario s, string source = "", string sink = "")
    {
        var node = NodeProcess.Start(NodeProcess.Config(s.Pipeline(source: source, sink: sink)));
        await node.WaitForOutputAsync("streaming from slot", Ready);
        return node;
    }

    [Fact]
    public async Task Inserts_updates_deletes_and_truncates_over_several_tables_reach_the_sink_in_order()
    {
        var s = await Scenario.CreateAsync(pg.Server, """
            CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2));
            CREATE TABLE transfers (id bigint PRIMARY KEY, src int, dst int, amount numeric(12,2), at timestamptz);
            CREATE TABLE notes (k1 text, k2 int, body text, PRIMARY KEY (k1, k2));
            """);
        await using var node = await StartNodeAsync(s);
        await s.ExecAsync("""
            INSERT INTO accounts SELECT g, 'owner ' || g, g * 10 FROM generate_series(1, 500) g;
            INSERT INTO notes SELECT 'n' || (g % 7), g, repeat('x', g) FROM generate_series(1, 300) g;
            BEGIN;
              UPDATE accounts SET balance = balance - 5 WHERE id = 1;
              UPDATE accounts SET balance = balance + 5 WHERE id = 2;
              INSERT INTO transfers VALUES (1, 1, 2, 5, '2024-01-02 03:04:05.678901+02');
            COMMIT;
            UPDATE accounts SET owner = owner || ' (vip)' WHERE id % 10 = 0;
            DELETE FROM accounts WHERE id BETWEEN 100 AND 150;
            UPDATE accounts SET id = id + 1000 WHERE id BETWEEN 200 AND 210;
            UPDATE notes SET body = NULL WHERE k2 % 3 = 0;
            DELETE FROM notes WHERE k1 = 'n1';
            TRUNCATE transfers;
            INSERT INTO transfers SELECT g, g, g + 1, g / 3.0, now() FROM generate_series(10, 60) g;
            BEGIN;
              TRUNCATE notes;
              INSERT INTO notes VALUES ('after', 1, 'truncate in the same transaction');
              DELETE FROM accounts WHERE id = 3;
            COMMIT;
            """);
        await s.AssertSinkEqualsSourceAsync("accounts", "id");
        await s.AssertSinkEqualsSourceAsync("transfers", "id");
        await s.AssertSinkEqualsSourceAsync("notes", "k1, k2");
        Assert.Equal(0, await node.StopAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_transaction_of_200k_rows_arrives_streamed_and_complete()
    {
        var s = await Scenario.CreateAsync(pg.Server, "CREATE TABLE big (id int PRIMARY KEY, v text, n bigint);");
        await using var node = await StartNodeAsync(s, source: "streaming-memory-budget = 1MiB");
        await s.ExecAsync("INSERT INTO big SELECT g, md5(g::text), g * 7 FROM generate_series(1, 200000) g;");
        await s.AssertSinkEqualsSourceAsync("big", "id", TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task An_update_leaving_a_1MB_toasted_value_unchanged_keeps_it_in_the_sink()
    {
        var s = await Scenario.CreateAsync(pg.Server, """
            CREATE TABLE docs (id int PRIMARY KEY, title text, body text);
            ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;
            """);
        await using var node = await StartNodeAsync(s);
        await s.ExecAsync("""
            INSERT INTO docs SELECT g, 'doc ' || g, (SELECT string_agg(md5(g::text || i::text), '') FROM generate_series(1, 32768) i) FROM generate_series(1, 3) g;
            UPDATE docs SET title = title || ' v2';
            UPDATE docs SET id = id + 10 WHERE id = 2;
            """);
        await s.AssertSinkEqualsSourceAsync("docs", "id");
        var length = await pg.Server.ScalarAsync<int>(s.SinkDb, "SELECT min(length(body)) FROM docs");
        Assert.Equal(32768 * 32, length);
    }

    [Fact]
    public async Task Every_supported_type_arrives_exactly()
    {
        var s = await Scenario.CreateAsync(pg.Server, TypeSamples.Schema);
        await using var node = await StartNodeAsync(s);
        await s.ExecAsync(TypeSamples.Rows);
        await s.ExecAsync("UPDATE types SET t_text = t_text || '!' WHERE id % 2 = 0;");
        await s.AssertSinkEqualsSourceAsync("types", "id");
    }

    [Fact]
    public async Task An_idle_database_slot_still_advances()
    {
        var s = await Scenario.CreateAsync(pg.Server, "CREATE TABLE quiet (id int PRIMARY KEY);");
        await using var node = await StartNodeAsync(s, source: "heartbeat-interval = 500ms");
        var first = await s.ConfirmedFlushLsnAsync();
        var later = await Eventually.WaitAsync(s.ConfirmedFlushLsnAsync, lsn => lsn != first && lsn != "", TimeSpan.FromSeconds(60),
            "confirmed_flush_lsn to move on an idle database");
        Assert.True(ActorCdc.Core.Positions.Lsn.Parse(later) > ActorCdc.Core.Positions.Lsn.Parse(first));
    }
}
