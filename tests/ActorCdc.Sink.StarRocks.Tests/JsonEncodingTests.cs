using System.Buffers;
using System.Text;
using System.Text.Json;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Sink.StarRocks.Ddl;
using ActorCdc.Sink.StarRocks.Json;
using ActorCdc.Sink.StarRocks.Loads;
using ActorCdc.Sink.StarRocks.Tests.Support;
using Xunit;

namespace ActorCdc.Sink.StarRocks.Tests;

/// <summary>PostgreSQL text values become the JSON StarRocks loads, per the documented mapping and unrepresentable policy.</summary>
public class JsonEncodingTests
{
    private static string Encode(ColumnEncoding encoding, string text, UnrepresentablePolicy policy = UnrepresentablePolicy.Clamp,
        ColumnEncoding element = ColumnEncoding.String, int maxIntegerDigits = -1)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            new PgValueWriter(policy).Write(w, new EncodedColumn("c", 0, false, encoding, element, maxIntegerDigits), text);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Theory]
    [InlineData(nameof(ColumnEncoding.Integer), "42", "42")]
    [InlineData(nameof(ColumnEncoding.Integer), "-9223372036854775808", "-9223372036854775808")]
    [InlineData(nameof(ColumnEncoding.Float), "1.5e+30", "1.5e+30")]
    [InlineData(nameof(ColumnEncoding.Float), "0.30000000000000004", "0.30000000000000004")]
    [InlineData(nameof(ColumnEncoding.Decimal), "12345.67", "12345.67")]
    [InlineData(nameof(ColumnEncoding.Decimal), "-0.000123", "-0.000123")]
    [InlineData(nameof(ColumnEncoding.Decimal), "1234567890.123456789", "\"1234567890.123456789\"")]
    [InlineData(nameof(ColumnEncoding.Boolean), "t", "true")]
    [InlineData(nameof(ColumnEncoding.Boolean), "f", "false")]
    [InlineData(nameof(ColumnEncoding.String), "say \"hi\"\n\\ ünï <&>", "\"say \\\"hi\\\"\\n\\\\ ünï <&>\"")]
    [InlineData(nameof(ColumnEncoding.TimestampTz), "2024-01-02 03:04:05.123+00", "\"2024-01-02 03:04:05.123000\"")]
    [InlineData(nameof(ColumnEncoding.TimestampTz), "2024-01-02 03:04:05+05:30", "\"2024-01-01 21:34:05.000000\"")]
    [InlineData(nameof(ColumnEncoding.TimestampTz), "2024-12-31 23:30:00-01", "\"2025-01-01 00:30:00.000000\"")]
    [InlineData(nameof(ColumnEncoding.Timestamp), "2024-02-29 23:59:59.999999", "\"2024-02-29 23:59:59.999999\"")]
    [InlineData(nameof(ColumnEncoding.Date), "2024-01-02", "\"2024-01-02\"")]
    [InlineData(nameof(ColumnEncoding.Json), "{\"a\": [1, 2, {\"b\": null}]}", "{\"a\": [1, 2, {\"b\": null}]}")]
    [InlineData(nameof(ColumnEncoding.Json), "\"just a string\"", "\"just a string\"")]
    public void Values_are_encoded_as_documented(string encoding, string text, string json) =>
        Assert.Equal(json, Encode(Enum.Parse<ColumnEncoding>(encoding), text));

    [Theory]
    [InlineData(nameof(ColumnEncoding.Integer), "{1,2,NULL,-3}", "[1,2,null,-3]")]
    [InlineData(nameof(ColumnEncoding.String), "{plain,\"with space\",\"quote\\\"and\\\\slash\",NULL,\"NULL\",\"a,b\"}", "[\"plain\",\"with space\",\"quote\\\"and\\\\slash\",null,\"NULL\",\"a,b\"]")]
    [InlineData(nameof(ColumnEncoding.TimestampTz), "{\"2024-01-02 03:04:05+00\",NULL}", "[\"2024-01-02 03:04:05.000000\",null]")]
    [InlineData(nameof(ColumnEncoding.Boolean), "{t,f}", "[true,false]")]
    [InlineData(nameof(ColumnEncoding.Decimal), "[0:1]={1.50,2.25}", "[1.50,2.25]")]
    [InlineData(nameof(ColumnEncoding.Json), "{\"{\\\"a\\\": 1}\",\"[1, 2]\"}", "[{\"a\": 1},[1, 2]]")]
    [InlineData(nameof(ColumnEncoding.Json), "{{1,2},{3,4}}", "[[1,2],[3,4]]")]
    [InlineData(nameof(ColumnEncoding.String), "{}", "[]")]
    public void Arrays_become_JSON_arrays_of_their_encoded_elements(string element, string text, string json) =>
        Assert.Equal(json, Encode(ColumnEncoding.Array, text, element: Enum.Parse<ColumnEncoding>(element)));

    [Theory]
    [InlineData(nameof(ColumnEncoding.TimestampTz), "infinity", "\"9999-12-31 23:59:59.999999\"")]
    [InlineData(nameof(ColumnEncoding.TimestampTz), "-infinity", "\"0000-01-01 00:00:00.000000\"")]
    [InlineData(nameof(ColumnEncoding.Timestamp), "0044-03-15 12:00:00 BC", "\"0000-01-01 00:00:00.000000\"")]
    [InlineData(nameof(ColumnEncoding.Timestamp), "10000-01-01 00:00:00", "\"9999-12-31 23:59:59.999999\"")]
    [InlineData(nameof(ColumnEncoding.Date), "infinity", "\"9999-12-31\"")]
    [InlineData(nameof(ColumnEncoding.Date), "0001-01-01 BC", "\"0000-01-01\"")]
    [InlineData(nameof(ColumnEncoding.Float), "Infinity", "1.7976931348623157e308")]
    [InlineData(nameof(ColumnEncoding.Float), "-Infinity", "-1.7976931348623157e308")]
    [InlineData(nameof(ColumnEncoding.Float), "NaN", "null")]
    [InlineData(nameof(ColumnEncoding.Decimal), "NaN", "null")]
    public void Clamp_moves_values_to_the_edge_of_StarRocks_range_and_nulls_what_has_no_edge(string encoding, string text, string json) =>
        Assert.Equal(json, Encode(Enum.Parse<ColumnEncoding>(encoding), text));

    [Fact]
    public void Null_policy_nulls_and_fail_policy_names_the_column_and_the_fix()
    {
        Assert.Equal("null", Encode(ColumnEncoding.TimestampTz, "infinity", UnrepresentablePolicy.Null));
        Assert.Equal("null", Encode(ColumnEncoding.Decimal, "123456", UnrepresentablePolicy.Null, maxIntegerDigits: 3));
        Assert.Equal("null", Encode(ColumnEncoding.Array, "{{1},{2}}", UnrepresentablePolicy.Clamp, ColumnEncoding.Integer));
        var e = Assert.Throws<CdcException>(() => Encode(ColumnEncoding.Date, "infinity", UnrepresentablePolicy.Fail));
        Assert.Equal(FailureKind.Data, e.Kind);
        Assert.Contains("Column \"c\" holds 'infinity'", e.Message);
        Assert.Contains("sink.unrepresentable", e.Message);
    }

    [Fact]
    public async Task Encoding_the_default_row_shape_allocates_nothing_per_row()
    {
        var schema = TestTable.Create("public.bench", "id bigint key", "a integer", "b text", "c timestamp with time zone", "d numeric(12,2)");
        var table = new TargetTable("analytics", "bench", schema, schema.Columns.Select((c, i) =>
        {
            var m = StarRocksTypeMapping.Map(c, new StarRocksSinkSettings());
            return new EncodedColumn(c.Name, i, c.IsKey, m.Encoding, m.ElementEncoding, m.MaxIntegerDigits);
        }).ToArray());
        var text = new string('x', 100);
        var changes = Enumerable.Range(1, 20_000).Select(i => new RowChange(ChangeKind.Insert, new SourcePosition(new Lsn(1), i),
            [ColumnValue.FromText(i.ToString()), ColumnValue.FromText("7"), ColumnValue.FromText(text), ColumnValue.FromText("2024-05-06 07:08:09.123456+00"),
                ColumnValue.FromText("1234.56")], null)).ToList();
        using var planner = new LoadPlanner(UnrepresentablePolicy.Clamp, 1_000_000, long.MaxValue);
        var target = new CountingTarget();
        await planner.PlanAsync(table, changes, target, CancellationToken.None);
        // With a target that completes at once, planning runs synchronously on this thread, which is what is measured.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var run = planner.PlanAsync(table, changes, target, CancellationToken.None);
        var after = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(run.IsCompletedSuccessfully);
        await run;
        var perRow = (after - before) / (double)changes.Count;
        Assert.True(perRow < 8, $"{perRow:0.0} bytes allocated per row");
        Assert.Equal(2 * changes.Count, target.Rows);
        Assert.StartsWith("""[{"id":1,"a":7,"b":"xxxx""", target.FirstBody);
        Assert.Contains("\"c\":\"2024-05-06 07:08:09.123456\",\"d\":1234.56,\"__op\":0},{\"id\":2", target.FirstBody);
    }

    private sealed class CountingTarget : ILoadTarget
    {
        public int Rows { get; private set; }
        public string? FirstBody { get; private set; }

        public Task LoadAsync(LoadGroup load, CancellationToken cancellationToken)
        {
            Rows += load.Rows;
            FirstBody ??= Encoding.UTF8.GetString(load.Body.ToArray());
            return Task.CompletedTask;
        }

        public Task TruncateAsync(SourcePosition at, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
