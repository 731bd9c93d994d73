using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using ActorCdc.Testing;
using Npgsql;
using Xunit;

namespace ActorCdc.Source.Postgres.Tests;

/// <summary>PrepareAsync resolves tables, refuses what cannot work with a sentence naming the setting, and sets up publication and slot.</summary>
public class SourceAdminTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private Task<SourceHarness> CreateAsync(string sql, string[] tables, Func<PostgresSourceSettings, PostgresSourceSettings>? configure = null) =>
        SourceHarness.CreateAsync(pg.Server, sql, tables, configure, prepare: false);

    private static async Task<CdcException> PrepareFailsAsync(SourceHarness h, FailureKind kind = FailureKind.Fatal)
    {
        var e = await Assert.ThrowsAsync<CdcException>(() => h.Admin.PrepareAsync(h.Deadline));
        Assert.Equal(kind, e.Kind);
        return e;
    }

    [Fact]
    public async Task Patterns_resolve_and_the_publication_and_slot_are_created_then_completed_with_new_tables()
    {
        await using var h = await CreateAsync("""
            CREATE SCHEMA s1; CREATE TABLE s1.b (id int PRIMARY KEY); CREATE TABLE s1.a (id int PRIMARY KEY);
            CREATE TABLE s1.part (id int PRIMARY KEY) PARTITION BY RANGE (id);
            CREATE TABLE s1.part_1 PARTITION OF s1.part FOR VALUES FROM (0) TO (10);
            CREATE TABLE s1.order_lines (id int PRIMARY KEY); CREATE TABLE s2_x (id int PRIMARY KEY);
            CREATE TABLE plain (id int PRIMARY KEY);
            """, ["s1.*", "plain"]);

        var tables = await h.Admin.PrepareAsync(h.Deadline);
        Assert.Equal(["plain", "s1.a", "s1.b", "s1.order_lines", "s1.part"], tables.Select(t => t.Schema == "public" ? t.Name : t.ToString()));
        Assert.True((await h.Admin.ReadSlotAsync(h.Deadline)).Exists);
        Assert.Equal("pgoutput", await h.Server.ScalarAsync<string>(h.Database, $"SELECT plugin::text FROM pg_replication_slots WHERE slot_name = '{h.Settings.Slot}'"));

        // A table created later is added to the existing publication on the next start.
        await h.ExecuteAsync("CREATE TABLE s1.c (id int PRIMARY KEY)");
        tables = await h.Admin.PrepareAsync(h.Deadline);
        Assert.Contains(new TableId("s1", "c"), tables);
        var published = await h.Server.ScalarAsync<string>(h.Database,
            "SELECT string_agg(r.prrelid::regclass::text, ',' ORDER BY r.prrelid::regclass::text) FROM pg_publication_rel r " +
            $"JOIN pg_publication p ON p.oid = r.prpubid WHERE p.pubname = '{h.Settings.Publication}'");
        Assert.Equal("plain,s1.a,s1.b,s1.c,s1.order_lines,s1.part", published);

        var narrower = h.Settings with { Tables = ["s1.order_*"] };
        await using var admin = new SourceAdmin(narrower);
        Assert.Equal([new TableId("s1", "order_lines")], await admin.PrepareAsync(h.Deadline));
    }

    /// <summary>
    /// Every node of a cluster prepares the source when it starts; three starting at once once lost a node to the
    /// catalog's unique index (23505) on a concurrent CREATE PUBLICATION.
    /// </summary>
    [Fact]
    public async Task Nodes_preparing_the_same_source_at_once_all_succeed()
    {
        for (var round = 0; round < 5; round++)
        {
            await using var h = await CreateAsync("CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY);", ["a", "b"]);
            var admins = Enumerable.Range(0, 6).Select(_ => new SourceAdmin(h.Settings)).ToList();
            try
            {
                using var start = new SemaphoreSlim(0);
                var preparing = admins.Select(a => Task.Run(async () =>
                {
                    await start.WaitAsync(h.Deadline);
                    return await a.PrepareAsync(h.Deadline);
                })).ToList();
                start.Release(admins.Count);
                foreach (var tables in await Task.WhenAll(preparing))
                    Assert.Equal([new TableId("public", "a"), new TableId("public", "b")], tables);
            }
            finally
            {
                foreach (var a in admins) await a.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_publication_another_node_creates_while_this_one_creates_it_is_used()
    {
        await using var h = await CreateAsync("CREATE TABLE a (id int PRIMARY KEY);", ["a"]);
        await using var other = new NpgsqlConnection(h.Server.ConnectionString(h.Database));
        await other.OpenAsync();
        await using var tx = await other.BeginTransactionAsync();
        await new NpgsqlCommand($"CREATE PUBLICATION {TableId.QuoteIdent(h.Settings.Publication)} FOR TABLE a", other, tx).ExecuteNonQueryAsync();

        // Ours does not see the other's yet, creates it too and waits on the other transaction's catalog row...
        var preparing = h.Admin.PrepareAsync(h.Deadline);
        await Eventually.WaitAsync(() => h.Server.ScalarAsync<long>(h.Database,
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"),
            n => n > 0, TimeSpan.FromSeconds(30), "our CREATE PUBLICATION waiting for the other one");
        // ...which commits: ours fails on the catalog's unique index (23505) and must use the other's.
        await tx.CommitAsync();
        Assert.Equal([new TableId("public", "a")], await preparing);
        Assert.True((await h.Admin.ReadSlotAsync(h.Deadline)).Exists);
    }

    /// <summary>
    /// A slot another node is creating: listed (first without a plugin for a moment, which
    /// <see cref="Nodes_preparing_the_same_source_at_once_all_succeed"/> once caught) and waiting for running transactions.
    /// </summary>
    [Fact]
    public async Task A_slot_another_node_is_creating_is_accepted_while_it_waits_for_running_transactions()
    {
        await using var h = await CreateAsync("CREATE TABLE a (id int PRIMARY KEY);", ["a"]);
        await using var running = new NpgsqlConnection(h.Server.ConnectionString(h.Database));
        await running.OpenAsync();
        await using var tx = await running.BeginTransactionAsync();
        await new NpgsqlCommand("INSERT INTO a VALUES (1)", running, tx).ExecuteNonQueryAsync();
        await using var creator = new NpgsqlConnection(h.Server.ConnectionString(h.Database));
        await creator.OpenAsync();
        var creating = new NpgsqlCommand($"SELECT pg_create_logical_replication_slot('{h.Settings.Slot}', 'pgoutput')", creator).ExecuteNonQueryAsync();
        await Eventually.WaitAsync(() => h.Server.ScalarAsync<long>(h.Database, $"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{h.Settings.Slot}'"),
            n => n > 0, TimeSpan.FromSeconds(30), "the other node's slot listed while it is being created");

        Assert.Equal([new TableId("public", "a")], await h.Admin.PrepareAsync(h.Deadline));
        Assert.False(creating.IsCompleted, "the other node's creation still waits for the running transaction");
        await tx.CommitAsync();
        await creating;
    }

    [Fact]
    public async Task Unknown_table_or_pattern_without_match_is_refused_naming_source_tables()
    {
        await using var h = await CreateAsync("CREATE TABLE a (id int PRIMARY KEY);", ["a", "public.nope"]);
        var e = await PrepareFailsAsync(h);
        Assert.Contains("source.tables", e.Message);
        Assert.Contains("public.nope", e.Message);

        await using var pattern = new SourceAdmin(h.Settings with { Tables = ["empty_schema.*"] });
        var p = await Assert.ThrowsAsync<CdcException>(() => pattern.PrepareAsync(h.Deadline));
        Assert.Equal(FailureKind.Fatal, p.Kind);
        Assert.Contains("source.tables pattern \"empty_schema.*\" matches no table", p.Message);
    }

    [Fact]
    public async Task Table_without_key_or_replica_identity_is_refused_with_the_alter_table_that_fixes_it()
    {
        await using var h = await CreateAsync("CREATE TABLE nokey (v text); CREATE TABLE full_ok (v text); ALTER TABLE full_ok REPLICA IDENTITY FULL;", ["nokey", "full_ok"]);
        var e = await PrepareFailsAsync(h);
        Assert.Contains("source.tables", e.Message);
        Assert.Contains("ALTER TABLE \"public\".\"nokey\" REPLICA IDENTITY FULL;", e.Message);
        Assert.Contains("primary key", e.Message);
        Assert.DoesNotContain("full_ok", e.Message);
        Assert.False((await h.Admin.ReadSlotAsync(h.Deadline)).Exists);

        await h.ExecuteAsync("ALTER TABLE nokey REPLICA IDENTITY FULL");
        Assert.Equal(2, (await h.Admin.PrepareAsync(h.Deadline)).Count);
    }

    [Fact]
    public async Task Wrong_password_is_fatal_and_an_unreachable_server_is_transient()
    {
        await using var h = await CreateAsync("CREATE TABLE a (id int PRIMARY KEY);", ["a"]);

        var wrong = new NpgsqlConnectionStringBuilder(h.Settings.ConnectionString) { Password = "wrong" }.ConnectionString;
        await using var badPassword = new SourceAdmin(h.Settings with { ConnectionString = wrong });
        var auth = await Assert.ThrowsAsync<CdcException>(() => badPassword.PrepareAsync(h.Deadline));
        Assert.Equal(FailureKind.Fatal, auth.Kind);
        Assert.Contains("source.connection-string", auth.Message);
        Assert.DoesNotContain("wrong", auth.Message);
        var atOpen = await Assert.ThrowsAsync<CdcException>(() => WalStream.OpenAsync(h.Settings with { ConnectionString = wrong }, h.Deadline));
        Assert.Equal(FailureKind.Fatal, atOpen.Kind);

        var closed = new NpgsqlConnectionStringBuilder(h.Settings.ConnectionString) { Port = FreePort.Next(), Timeout = 5 }.ConnectionString;
        await using var unreachable = new SourceAdmin(h.Settings with { ConnectionString = closed });
        var refused = await Assert.ThrowsAsync<CdcException>(() => unreachable.ReadSlotAsync(h.Deadline));
        Assert.Equal(FailureKind.Transient, refused.Kind);
        Assert.Contains("source.connection-string", refused.Message);
    }

    [Fact]
    public async Task Missing_slot_or_publication_with_creation_off_is_refused_naming_the_settings()
    {
        await using var h = await CreateAsync("CREATE TABLE a (id int PRIMARY KEY);", ["a"], s => s with { CreateSlot = false });
        var slot = await PrepareFailsAsync(h);
        Assert.Contains($"source.slot = \"{h.Settings.Slot}\"", slot.Message);
        Assert.Contains("source.create-slot", slot.Message);
        var atOpen = await Assert.ThrowsAsync<CdcException>(() => WalStream.OpenAsync(h.Settings, h.Deadline));
        Assert.Equal(FailureKind.Fatal, atOpen.Kind);
        Assert.Contains("source.slot", atOpen.Message);

        await using var noPublication = new SourceAdmin(h.Settings with { Publication = "pub_missing", CreatePublication = false });
        var publication = await Assert.ThrowsAsync<CdcException>(() => noPublication.PrepareAsync(h.Deadline));
        Assert.Equal(FailureKind.Fatal, publication.Kind);
        Assert.Contains("source.publication = \"pub_missing\"", publication.Message);
        Assert.Contains("source.create-publication", publication.Message);
    }

    [Fact]
    public void Settings_that_cannot_work_are_refused_naming_the_key()
    {
        var valid = new PostgresSourceSettings { ConnectionString = "Host=x", Slot = "s", Publication = "p", Tables = ["a"] };
        valid.Validate();
        Assert.Contains("source.slot", Assert.Throws<CdcException>(() => (valid with { Slot = "Bad-Name" }).Validate()).Message);
        Assert.Contains("source.tables", Assert.Throws<CdcException>(() => (valid with { Tables = [] }).Validate()).Message);
        Assert.Contains("source.max-batch-rows", Assert.Throws<CdcException>(() => (valid with { MaxBatchRows = 0 }).Validate()).Message);
    }
}
