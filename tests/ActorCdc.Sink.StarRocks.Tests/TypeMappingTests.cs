using ActorCdc.Core.Schema;
using ActorCdc.Sink.StarRocks.Ddl;
using ActorCdc.Sink.StarRocks.Tests.Support;
using Xunit;

namespace ActorCdc.Sink.StarRocks.Tests;

/// <summary>The documented PostgreSQL → StarRocks type mapping, the CREATE TABLE it produces, and values of every type loading into it.</summary>
public class TypeMappingTests
{
    [Theory]
    [InlineData("boolean", "BOOLEAN")]
    [InlineData("smallint", "SMALLINT")]
    [InlineData("integer", "INT")]
    [InlineData("bigint", "BIGINT")]
    [InlineData("oid", "BIGINT")]
    [InlineData("real", "FLOAT")]
    [InlineData("double precision", "DOUBLE")]
    [InlineData("numeric(12,2)", "DECIMAL(12, 2)")]
    [InlineData("numeric(38,0)", "DECIMAL(38, 0)")]
    [InlineData("numeric(40,4)", "STRING")]
    [InlineData("numeric", "DECIMAL(38, 18)")]
    [InlineData("money", "VARCHAR(64)")]
    [InlineData("character varying(100)", "VARCHAR(400)")]
    [InlineData("character varying(500000)", "VARCHAR(1048576)")]
    [InlineData("character varying", "STRING")]
    [InlineData("character(10)", "CHAR(40)")]
    [InlineData("character(100)", "VARCHAR(400)")]
    [InlineData("text", "STRING")]
    [InlineData("uuid", "VARCHAR(36)")]
    [InlineData("date", "DATE")]
    [InlineData("timestamp without time zone", "DATETIME")]
    [InlineData("timestamp(3) with time zone", "DATETIME")]
    [InlineData("time without time zone", "VARCHAR(16)")]
    [InlineData("time(6) with time zone", "VARCHAR(24)")]
    [InlineData("interval", "VARCHAR(128)")]
    [InlineData("json", "JSON")]
    [InlineData("jsonb", "JSON")]
    [InlineData("bytea", "STRING")]
    [InlineData("inet", "VARCHAR(64)")]
    [InlineData("bit(8)", "VARCHAR(8)")]
    [InlineData("integer[]", "ARRAY<INT>")]
    [InlineData("text[]", "ARRAY<STRING>")]
    [InlineData("character varying(20)[]", "ARRAY<VARCHAR(80)>")]
    [InlineData("numeric(10,2)[]", "ARRAY<DECIMAL(10, 2)>")]
    [InlineData("timestamp with time zone[]", "ARRAY<DATETIME>")]
    [InlineData("jsonb[]", "JSON")]
    [InlineData("tsvector", "STRING")]
    public void Columns_map_as_documented(string pgType, string starRocksType) =>
        Assert.Equal(starRocksType, StarRocksTypeMapping.Map(new ColumnSchema("c", 0, -1, pgType, 'b', false), new StarRocksSinkSettings()).SqlType);

    [Theory]
    [InlineData("numeric(12,2)", "VARCHAR(128)")]
    [InlineData("text", "VARCHAR(128)")]
    [InlineData("character varying(20)", "VARCHAR(80)")]
    [InlineData("character(4)", "VARCHAR(16)")]
    [InlineData("uuid", "VARCHAR(36)")]
    [InlineData("timestamp with time zone", "DATETIME")]
    [InlineData("double precision", "VARCHAR(128)")]
    [InlineData("integer", "INT")]
    public void Keys_get_a_type_StarRocks_allows_in_a_primary_key(string pgType, string starRocksType) =>
        Assert.Equal(starRocksType, StarRocksTypeMapping.Map(new ColumnSchema("k", 0, -1, pgType, 'b', true), new StarRocksSinkSettings()).SqlType);

    [Fact]
    public void Unconstrained_numeric_follows_the_numeric_settings_and_enums_become_varchar()
    {
        var numeric = new ColumnSchema("n", 0, -1, "numeric", 'b', false);
        Assert.Equal("DECIMAL(38, 6)", StarRocksTypeMapping.Map(numeric, new StarRocksSinkSettings { NumericScale = 6 }).SqlType);
        Assert.Equal("STRING", StarRocksTypeMapping.Map(numeric, new StarRocksSinkSettings { UnconstrainedNumeric = UnconstrainedNumericMapping.String }).SqlType);
        Assert.Equal("VARCHAR(256)", StarRocksTypeMapping.Map(new ColumnSchema("m", 0, -1, "public.mood", 'e', false), new StarRocksSinkSettings()).SqlType);
    }

    private static readonly TableSchema Everything = TestTable.Create("public.everything",
        "name text", "id bigint key", "region character varying(8) key", "flag boolean", "small smallint", "f4 real", "f8 double precision",
        "price numeric(12,2)", "ratio numeric", "code character(3)", "uid uuid", "day date", "at timestamp without time zone",
        "atz timestamp with time zone", "t time without time zone", "span interval", "doc jsonb", "raw bytea", "tags text[]", "nums integer[]",
        "docs jsonb[]", "mood mood enum");

    [Fact]
    public async Task The_created_table_puts_keys_first_not_null_with_comments_and_the_configured_properties()
    {
        await using var sr = await SrDouble.StartAsync();
        await using var factory = SinkSetup.Factory(sr, "table { buckets = 4, properties { replication_num = \"1\" } }");
        await using var sink = factory.CreateTableSink(Everything.Table, Everything.Table);
        var script = new ChangeScript(Everything);
        script.Insert(Values(1));
        var changes = script.Take();
        await sink.ApplyAsync(Everything, changes, changes[^1].Position, CancellationToken.None);

        var create = Assert.Single(sr.Statements, s => s.StartsWith("CREATE TABLE", StringComparison.Ordinal));
        Assert.StartsWith("CREATE TABLE IF NOT EXISTS `analytics`.`everything` (\n  `id` BIGINT NOT NULL COMMENT \"actorcdc: bigint\",\n" +
                          "  `region` VARCHAR(32) NOT NULL COMMENT \"actorcdc: character varying(8)\",\n  `name` STRING NULL COMMENT \"actorcdc: text\"", create);
        Assert.EndsWith(") PRIMARY KEY (`id`, `region`)\nDISTRIBUTED BY HASH (`id`, `region`) BUCKETS 4\nPROPERTIES (\"replication_num\" = \"1\")", create);
        var columns = sr.Columns("analytics", "everything");
        Assert.Equal(["id", "region", "name", "flag"], columns.Take(4).Select(c => c.Name));
        Assert.All(columns.Take(2), c => Assert.False(c.Nullable));
        Assert.All(columns.Skip(2), c => Assert.True(c.Nullable));
        Assert.Equal("array<varchar(1048576)>", columns.Single(c => c.Name == "tags").Type.ColumnType);
        Assert.Equal("decimal(38,18)", columns.Single(c => c.Name == "ratio").Type.ColumnType);
    }

    [Fact]
    public async Task A_row_of_every_type_loads_into_the_created_table_as_documented()
    {
        await using var sr = await SrDouble.StartAsync();
        await using var factory = SinkSetup.Factory(sr);
        await using var sink = factory.CreateTableSink(Everything.Table, Everything.Table);
        var script = new ChangeScript(Everything);
        script.Insert(Values(1)).Insert(Nulls(2));
        var changes = script.Take();
        await sink.ApplyAsync(Everything, changes, changes[^1].Position, CancellationToken.None);

        var rows = sr.Table("analytics", "everything");
        var row = rows.Single(r => r["id"] == "1");
        Assert.Equal("1", row["flag"]);
        Assert.Equal("1.5", row["f4"]);
        Assert.Equal("0.30000000000000004", row["f8"]);
        Assert.Equal("1234567890.12", row["price"]);
        Assert.Equal("12345678901234567890.123456789012345678", row["ratio"]);
        Assert.Equal("ab ", row["code"]);
        Assert.Equal("2024-02-29", row["day"]);
        Assert.Equal("2024-02-29 23:59:59.999999", row["at"]);
        Assert.Equal("2024-01-01 21:34:05.100000", row["atz"]);
        Assert.Equal("13:14:15.5", row["t"]);
        Assert.Equal("1 year 2 mons 3 days 04:05:06", row["span"]);
        Assert.Equal("""{"a":[1,2,{"b":null}],"c":"é"}""", row["doc"]);
        Assert.Equal("\\xdeadbeef", row["raw"]);
        Assert.Equal("""["a b","c,d",null,"e\"f"]""", row["tags"]);
        Assert.Equal("[1,2,3]", row["nums"]);
        Assert.Equal("""[{"x":1},[2]]""", row["docs"]);
        Assert.Equal("happy", row["mood"]);
        var nulls = rows.Single(r => r["id"] == "2");
        Assert.All(nulls.Where(p => p.Key is not ("id" or "region")), p => Assert.Null(p.Value));
        Assert.Empty(sr.Errors);
    }

    private static object?[] Values(int id) =>
    [
        "name", id, "eu-west", "t", 7, "1.5", "0.30000000000000004", "1234567890.12", "12345678901234567890.123456789012345678", "ab ",
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "2024-02-29", "2024-02-29 23:59:59.999999", "2024-01-02 03:04:05.1+05:30", "13:14:15.5",
        "1 year 2 mons 3 days 04:05:06", """{"a": [1, 2, {"b": null}], "c": "é"}""", "\\xdeadbeef", """{"a b","c,d",NULL,"e\"f"}""", "{1,2,3}",
        """{"{\"x\": 1}","[2]"}""", "happy",
    ];

    private static object?[] Nulls(int id)
    {
        var values = new object?[Everything.Columns.Count];
        values[1] = id;
        values[2] = "eu";
        return values;
    }
}
