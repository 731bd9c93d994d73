using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using ActorCdc.Sink.Postgres.Tests.Support;
using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.Sink.Postgres.Tests;

/// <summary>Creation of missing target tables, use of existing ones, and columns added by a new schema version.</summary>
public class TargetTableTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private const string ColumnsOf =
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull FROM pg_attribute a " +
        "WHERE a.attrelid = '{0}'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

    private const string PrimaryKeyOf =
        "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.conrelid = '{0}'::regclass AND c.contype = 'p'";

    [Fact]
    public async Task Missing_target_is_created_with_the_source_types_and_primary_key()
    {
        await using var h = await SinkHarness.StartAsync(pg.Server);
        var columns = new List<ColumnSchema>
        {
            new("tenant", 25, -1, "text", 'b', true),
            new("id", 20, -1, "bigint", 'b', true),
            new("amount", 1700, 786438, "numeric(12,2)", 'b', false),
            new("label", 1043, 24, "character varying(20)", 'b', false),
            new("at", 1184, -1, "timestamp with time zone", 'b', false),
            new("tags", 1007, -1, "integer[]", 'b', false) { ElementTypeKind = 'b' },
            new("mood", 90001, -1, "mood", 'e', false),
            new("moods", 90002, -1, "mood[]", 'b', false) { ElementTypeKind = 'e' },
            new("positive", 90003, -1, "posint", 'd', false),
            new("pair", 90004, -1, "pair", 'c', false),
            new("extension_type", 90005, -1, "citext", 'b', false),
        };
        var schema = new TableSchema(new TableId("shop", "orders"), 1, columns, ReplicaIdentity.Default);
        var target = new TableId("analytics", "shop_orders");
        var sink = h.Factory.CreateTableSink(schema.Table, target);

        var script = new ChangeScript(schema).Insert("t1", 1, "12.50", "hello", "2024-01-02 03:04:05+00", "{1,NULL}", "happy", "{sad,happy}", 7, "(1,x)", "Case").Commit();
        await SinkHarness.ApplyAsync(sink, script);

        Assert.Equal(
            [
                "(tenant,text,t)", "(id,bigint,t)", "(amount,\"numeric(12,2)\",f)", "(label,\"character varying(20)\",f)",
                "(at,\"timestamp with time zone\",f)", "(tags,integer[],f)", "(mood,text,f)", "(moods,text[],f)", "(positive,text,f)",
                "(pair,text,f)", "(extension_type,text,f)",
            ],
            await h.RowsAsync(string.Format(ColumnsOf, "analytics.shop_orders")));
        Assert.Equal(["(\"PRIMARY KEY (tenant, id)\")"], await h.RowsAsync(string.Format(PrimaryKeyOf, "analytics.shop_orders")));
        Assert.Equal(["(t1,1,12.50,hello,\"2024-01-02 03:04:05+00\",\"{1,NULL}\",happy,\"{sad,happy}\",7,\"(1,x)\",Case)"],
            await h.RowsAsync("SELECT * FROM analytics.shop_orders"));
    }

    [Fact]
    public async Task Existing_target_is_used_as_it_is()
    {
        await using var h = await SinkHarness.StartAsync(pg.Server);
        await h.ExecuteAsync("CREATE TABLE public.items (note text DEFAULT 'sink only', id bigint PRIMARY KEY, name varchar(100))");
        var script = new ChangeScript(TestSchemas.Table("public.items", "id integer key", "name text"));
        var sink = h.SinkFor(script.Schema);

        await SinkHarness.ApplyAsync(sink, script.Insert(1, "a").Insert(2, "b").Update(1, "a2").Commit());

        Assert.Equal(["(note,text,f)", "(id,bigint,t)", "(name,\"character varying(100)\",f)"],
            await h.RowsAsync(string.Format(ColumnsOf, "public.items")));
        Assert.Equal(["(\"sink only\",1,a2)", "(\"sink only\",2,b)"], await h.RowsAsync("SELECT * FROM public.items ORDER BY id"));
    }

    [Fact]
    public async Task Existing_target_without_a_key_for_the_upserts_is_refused_with_the_fix()
    {
        await using var h = await SinkHarness.StartAsync(pg.Server);
        await h.ExecuteAsync("CREATE TABLE public.items (id integer, name text)");
        var script = new ChangeScript(TestSchemas.Table("public.items", "id integer key", "name text"));
        var sink = h.SinkFor(script.Schema);

        var error = await Assert.ThrowsAsync<CdcException>(() => SinkHarness.ApplyAsync(sink, script.Insert(1, "a").Commit()));

        Assert.Equal(FailureKind.Fatal, error.Kind);
        Assert.Contains("ADD PRIMARY KEY (\"id\")", error.Message);
    }

    [Theory]
    [InlineData(PostgresBatchStrategy.Unnest)]
    [InlineData(PostgresBatchStrategy.CopyMerge)]
    [InlineData(PostgresBatchStrategy.MultiRowInsert)]
    public async Task A_column_added_to_the_schema_is_added_to_the_target(PostgresBatchStrategy strategy)
    {
        await using var h = await SinkHarness.StartAsync(pg.Server, strategy);
        var v1 = new ChangeScript(TestSchemas.Table("public.items", "id integer key", "name text"));
        var sink = h.SinkFor(v1.Schema);
        await SinkHarness.ApplyAsync(sink, v1.Insert(1, "a").Commit());

        var v2 = new ChangeScript(TestSchemas.Table("public.items", "id integer key", "name text", "price numeric(8,2)", "seen_at timestamp"), 0x2000);
        await SinkHarness.ApplyAsync(sink, v2.Insert(2, "b", "9.99", "2024-05-06 07:08:09.5").Update(1, "a2", "1.50", null).Commit());

        Assert.Equal(["(id,integer,t)", "(name,text,f)", "(price,\"numeric(8,2)\",f)", "(seen_at,\"timestamp without time zone\",f)"],
            await h.RowsAsync(string.Format(ColumnsOf, "public.items")));
        Assert.Equal(["(1,a2,1.50,)", "(2,b,9.99,\"2024-05-06 07:08:09.5\")"], await h.RowsAsync("SELECT * FROM public.items ORDER BY id"));
    }
}
