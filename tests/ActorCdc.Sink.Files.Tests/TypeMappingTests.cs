using System.Numerics;
using ActorCdc.Core.Failures;
using ActorCdc.Sink.Files.Tests.Support;
using Parquet.Data;
using Parquet.Schema;
using Xunit;
using static ActorCdc.Sink.Files.Tests.Support.Rows;

namespace ActorCdc.Sink.Files.Tests;

/// <summary>
/// Typed columns where the conversion from PostgreSQL's text is exact, PostgreSQL's exact text elsewhere, and a lossless
/// fallback to text when a typed column meets a value it cannot hold.
/// </summary>
public sealed class TypeMappingTests
{
    private static readonly Core.Schema.TableSchema Types = Schema("public.types",
        Column("id", Int8, "bigint", key: true),
        Column("i2", Int2, "smallint"),
        Column("i4", Int4, "integer"),
        Column("flag", Bool, "boolean"),
        Column("f4", Float4, "real"),
        Column("f8", Float8, "double precision"),
        Column("t", Text, "text"),
        Column("vc", Varchar, "character varying(10)", modifier: 14),
        Column("d", Date, "date"),
        Column("tz", TimestampTz, "timestamp with time zone"),
        Column("ts", Timestamp, "timestamp without time zone"),
        Column("n", Numeric, "numeric(12,2)", modifier: NumericModifier(12, 2)),
        Column("n25", Numeric, "numeric(25,3)", modifier: NumericModifier(25, 3)),
        Column("n38", Numeric, "numeric(38,4)", modifier: NumericModifier(38, 4)),
        Column("nu", Numeric, "numeric"),
        Column("neg", Numeric, "numeric(3,-2)", modifier: NumericModifier(3, -2)),
        Column("j", Jsonb, "jsonb"),
        Column("iv", Interval, "interval"),
        Column("arr", Int4Array, "integer[]"),
        Column("u", Uuid, "uuid"),
        Column("b", Bytea, "bytea"));

    [Fact]
    public async Task Exact_types_are_typed_columns_and_everything_else_is_postgres_text()
    {
        await using var h = new SinkHarness();
        var sink = h.Sink("public.types");
        string?[] row1 =
        [
            "9223372036854775807", "-32768", "2147483647", "t", "-0", "1.7976931348623157e+308", "héllo\nwörld", "abc ",
            "0001-01-01", "2024-02-29 23:59:59.999999+00", "9999-12-31 23:59:59.999999", "-9999999999.99",
            "-1234567890123456789012.345", "-1234567890123456789012345678901234.5678", "123456789012345678901234567890.123456789",
            "-12300", """{"a": [1, 2.50]}""", "1 year 2 mons -3 days 04:05:06.789", "{1,NULL,3}",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "\\x00ff",
        ];
        string?[] row2 =
        [
            "1", "7", "-1", "f", "Infinity", "NaN", "", null, "2024-01-15", "1970-01-01 00:00:00+00", "2024-01-15 12:00:00",
            "0.50", "0.000", "0.0000", "NaN", "0", "null", "00:00:00", "{}", null, "\\x",
        ];
        string?[] row3 =
        [
            "2", null, null, null, "1.17549435e-38", "-Infinity", null, null, null, "2024-06-30 14:15:16.5+05:30", null,
            null, null, null, "Infinity", null, null, null, null, null, null,
        ];
        await h.ApplyAndCommitAsync(sink, Types, Insert(At(1), row1), Insert(At(2), row2), Insert(At(3), row3));

        var file = Assert.Single(await h.ReadTableAsync("public.types"));
        Assert.Equal(3, file.Rows.Count);
        AssertLogical<long>(file, "id");
        AssertLogical<short>(file, "i2");
        AssertLogical<int>(file, "i4");
        AssertLogical<bool>(file, "flag");
        AssertLogical<float>(file, "f4");
        AssertLogical<double>(file, "f8");
        AssertLogical<DateOnly>(file, "d");
        foreach (var name in new[] { "t", "vc", "nu", "neg", "j", "iv", "arr", "u", "b" }) AssertLogical<ReadOnlyMemory<char>>(file, name);
        var tz = Assert.IsType<DateTimeDataField>(file.Field("tz"), exactMatch: false);
        Assert.Equal(DateTimeFormat.Timestamp, tz.DateTimeFormat);
        Assert.True(tz.IsAdjustedToUTC);
        Assert.Equal(DateTimeTimeUnit.Micros, tz.Unit);
        Assert.False(Assert.IsType<DateTimeDataField>(file.Field("ts"), exactMatch: false).IsAdjustedToUTC);
        foreach (var (name, p, s) in new[] { ("n", 12, 2), ("n25", 25, 3), ("n38", 38, 4) })
        {
            var dec = Assert.IsType<DecimalDataField>(file.Field(name), exactMatch: false);
            Assert.Equal((p, s), (dec.Precision, dec.Scale));
        }

        var r1 = file.Rows[0];
        Assert.Equal(long.MaxValue, r1["id"]);
        Assert.Equal((short)-32768, r1["i2"]);
        Assert.Equal(int.MaxValue, r1["i4"]);
        Assert.Equal(true, r1["flag"]);
        Assert.True(float.IsNegative((float)r1["f4"]!) && (float)r1["f4"]! == 0f, "-0 keeps its sign");
        Assert.Equal(double.MaxValue, r1["f8"]);
        Assert.Equal("héllo\nwörld", r1["t"]);
        Assert.Equal("abc ", r1["vc"]);
        Assert.Equal(new DateOnly(1, 1, 1), r1["d"]);
        Assert.Equal(new DateTime(2024, 2, 29, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_990), r1["tz"]);
        Assert.Equal(new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_990), r1["ts"]);
        Assert.Equal("-9999999999.99", ((BigDecimal)r1["n"]!).ToString());
        Assert.Equal("-1234567890123456789012.345", ((BigDecimal)r1["n25"]!).ToString());
        Assert.Equal(BigInteger.Parse("-12345678901234567890123456789012345678"), ((BigDecimal)r1["n38"]!).UnscaledValue);
        Assert.Equal("123456789012345678901234567890.123456789", r1["nu"]);
        Assert.Equal("-12300", r1["neg"]);
        Assert.Equal("""{"a": [1, 2.50]}""", r1["j"]);
        Assert.Equal("1 year 2 mons -3 days 04:05:06.789", r1["iv"]);
        Assert.Equal("{1,NULL,3}", r1["arr"]);
        Assert.Equal("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", r1["u"]);
        Assert.Equal("\\x00ff", r1["b"]);

        var r2 = file.Rows[1];
        Assert.Equal(false, r2["flag"]);
        Assert.Equal(float.PositiveInfinity, r2["f4"]);
        Assert.True(double.IsNaN((double)r2["f8"]!));
        Assert.Equal("", r2["t"]);
        Assert.Null(r2["vc"]);
        Assert.Equal(new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc), r2["tz"]);
        Assert.Equal("0.50", ((BigDecimal)r2["n"]!).ToString());
        Assert.Equal("NaN", r2["nu"]);
        Assert.Equal("null", r2["j"]);
        Assert.Null(r2["u"]);

        var r3 = file.Rows[2];
        Assert.Null(r3["i2"]);
        Assert.Null(r3["d"]);
        Assert.Null(r3["n"]);
        Assert.Equal(1.17549435e-38f, r3["f4"]);
        Assert.Equal(double.NegativeInfinity, r3["f8"]);
        Assert.Equal(new DateTime(2024, 6, 30, 8, 45, 16, 500, DateTimeKind.Utc), r3["tz"]);
        Assert.Equal("Infinity", r3["nu"]);
    }

    [Fact]
    public async Task A_value_a_typed_column_cannot_hold_rolls_to_a_file_where_that_column_is_text_by_default()
    {
        await using var h = new SinkHarness();
        var sink = h.Sink("public.events");
        var schema = Schema("public.events",
            Column("id", Int8, "bigint", key: true),
            Column("amount", Numeric, "numeric(10,2)", modifier: NumericModifier(10, 2)),
            Column("at", TimestampTz, "timestamp with time zone"),
            Column("day", Date, "date"));
        await h.ApplyAndCommitAsync(sink, schema,
            Insert(At(1), "1", "12.50", "2024-01-01 00:00:00+00", "2024-01-01"),
            Insert(At(2), "2", "NaN", "2024-01-02 00:00:00+00", "2024-01-02"),
            Insert(At(3), "3", "7.00", "infinity", "2024-01-03"),
            Insert(At(4), "4", "8.00", "2024-01-04 00:00:00+00", "0044-03-15 BC"),
            Insert(At(5), "5", "9.00", "-infinity", "10000-01-01"));

        var files = await h.ReadTableAsync("public.events");
        Assert.Equal(4, files.Count);
        // File 1: everything typed. File 2: amount as text. File 3: amount and at as text. File 4: all three as text.
        Assert.Equal(["1"], files[0].Rows.Select(r => r["id"]!.ToString()));
        AssertLogical<DateOnly>(files[0], "day");
        Assert.Equal("12.50", ((BigDecimal)files[0].Rows[0]["amount"]!).ToString());
        Assert.Equal(["2"], files[1].Rows.Select(r => r["id"]!.ToString()));
        AssertLogical<ReadOnlyMemory<char>>(files[1], "amount");
        Assert.Equal("NaN", files[1].Rows[0]["amount"]);
        Assert.IsType<DateTimeDataField>(files[1].Field("at"), exactMatch: false);
        Assert.Equal(["3"], files[2].Rows.Select(r => r["id"]!.ToString()));
        Assert.Equal("7.00", files[2].Rows[0]["amount"]);
        Assert.Equal("infinity", files[2].Rows[0]["at"]);
        Assert.Equal(["4", "5"], files[3].Rows.Select(r => r["id"]!.ToString()));
        Assert.Equal(["8.00", "9.00"], files[3].Rows.Select(r => r["amount"]));
        Assert.Equal(["2024-01-04 00:00:00+00", "-infinity"], files[3].Rows.Select(r => r["at"]));
        Assert.Equal(["0044-03-15 BC", "10000-01-01"], files[3].Rows.Select(r => r["day"]));
    }

    [Fact]
    public async Task Unrepresentable_null_writes_null_and_fail_raises_a_data_error_naming_the_column()
    {
        await using (var h = new SinkHarness(local => new ParquetSinkSettings("file:///x", localDirectory: local, unrepresentable: ParquetUnrepresentablePolicy.Null)))
        {
            var schema = Schema("public.n", Column("id", Int8, "bigint", key: true), Column("x", Numeric, "numeric(5,1)", modifier: NumericModifier(5, 1)));
            await h.ApplyAndCommitAsync(h.Sink("public.n"), schema, Insert(At(1), "1", "NaN"), Insert(At(2), "2", "1.5"));
            var file = Assert.Single(await h.ReadTableAsync("public.n"));
            Assert.Null(file.Rows[0]["x"]);
            Assert.Equal("1.5", ((BigDecimal)file.Rows[1]["x"]!).ToString());
        }
        await using (var h = new SinkHarness(local => new ParquetSinkSettings("file:///x", localDirectory: local, unrepresentable: ParquetUnrepresentablePolicy.Fail)))
        {
            var schema = Schema("public.f", Column("id", Int8, "bigint", key: true), Column("at", TimestampTz, "timestamp with time zone"));
            var sink = h.Sink("public.f");
            var e = await Assert.ThrowsAsync<CdcException>(() =>
                sink.ApplyAsync(schema, [Insert(At(1), "1", "2024-01-01 00:00:00+00"), Insert(At(2), "2", "infinity")], At(2), h.Deadline));
            Assert.Equal(FailureKind.Data, e.Kind);
            Assert.Contains("public.f.at", e.Message);
            Assert.Contains("\"infinity\"", e.Message);
            Assert.Contains("sink.unrepresentable", e.Message);
            // The row before the bad one is kept; the bad one can be retried (or skipped by the engine's policy).
            await h.ApplyAndCommitAsync(sink, schema, Insert(At(3), "3", "2024-01-03 00:00:00+00"));
            Assert.Equal([1L, 3L], (await h.ReadRowsAsync("public.f")).Select(r => (long)r["id"]!));
        }
    }

    private static void AssertLogical<T>(ParquetReadBack file, string name) => Assert.Equal(typeof(T), file.Field(name).ClrType);
}
