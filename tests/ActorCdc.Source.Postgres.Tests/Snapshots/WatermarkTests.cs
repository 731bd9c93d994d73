using System.Text;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using ActorCdc.Source.Postgres.Snapshots;
using ActorCdc.Testing;
using Npgsql;
using Xunit;

namespace ActorCdc.Source.Postgres.Tests.Snapshots;

/// <summary>Watermarks reach the stream as transactional messages in a transaction of their own, and parse strictly.</summary>
public class WatermarkTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private static readonly Watermark Sample = new("shop", new TableId("sales", "order \"lines\""), 42, 3, WatermarkKind.High);

    [Fact]
    public async Task An_emitted_watermark_arrives_as_the_only_event_of_its_own_transaction()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server, "CREATE TABLE t (id int PRIMARY KEY);", ["t"]);
        await h.OpenAsync();
        var low = Sample with { Kind = WatermarkKind.Low };
        await using var dataSource = NpgsqlDataSource.Create(h.Server.ConnectionString(h.Database));
        var lowLsn = await Watermarks.EmitAsync(dataSource, low, h.Deadline);
        await h.ExecuteAsync("INSERT INTO t VALUES (1)");
        await using var connection = await dataSource.OpenConnectionAsync(h.Deadline);
        var highLsn = await Watermarks.EmitAsync(connection, Sample, h.Deadline);

        var first = await h.NextTransactionAsync();
        var message = Assert.IsType<LogicalMessage>(Assert.Single(first.Events));
        Assert.True(message.Transactional);
        Assert.Equal(Watermarks.Prefix, message.Prefix);
        Assert.True(Watermarks.IsWatermark(message));
        Assert.Equal(lowLsn, message.Lsn);
        Assert.Equal(low, Watermarks.Parse(message.Content));
        // The message LSN is where its record ends, which is where the commit record starts.
        Assert.True(first.Committed.CommitLsn >= message.Lsn, $"commit {first.Committed.CommitLsn}, message {message.Lsn}");

        var insert = await h.NextTransactionAsync();
        Assert.Single(insert.Changes);

        var second = await h.NextTransactionAsync();
        message = Assert.IsType<LogicalMessage>(Assert.Single(second.Events));
        Assert.Equal(highLsn, message.Lsn);
        Assert.Equal(Sample, Watermarks.Parse(message.Content));
        Assert.True(second.Begun.CommitLsn > insert.Committed.CommitLsn);
    }

    [Fact]
    public async Task A_fence_lies_after_watermarks_committed_before_it_and_before_those_written_after_it()
    {
        await using var h = await SourceHarness.CreateAsync(pg.Server, "CREATE TABLE t (id int PRIMARY KEY);", ["t"]);
        await h.OpenAsync();
        var connectionString = h.Server.ConnectionString(h.Database);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await Watermarks.EmitAsync(dataSource, Sample with { Kind = WatermarkKind.Low }, h.Deadline);
        var fence = await Watermarks.FenceAsync(connectionString, h.Deadline);
        await Watermarks.EmitAsync(dataSource, Sample, h.Deadline);

        var before = await h.NextTransactionAsync();
        var after = await h.NextTransactionAsync();
        Assert.True(before.Committed.CommitLsn < fence, $"watermark committed at {before.Committed.CommitLsn}, fence {fence}");
        Assert.True(after.Begun.CommitLsn > fence, $"watermark committed at {after.Begun.CommitLsn}, fence {fence}");
    }

    [Fact]
    public void Encoding_is_compact_json_that_parses_back_to_the_same_watermark()
    {
        var content = Watermarks.Encode(Sample);
        Assert.Equal("""{"v":1,"pipeline":"shop","schema":"sales","table":"order \u0022lines\u0022","chunk":42,"attempt":3,"kind":"high"}""",
            Encoding.UTF8.GetString(content));
        Assert.Equal(Sample, Watermarks.Parse(content));
        var unicode = new Watermark("p\u00e9", new TableId("s", "\u65e5\u672c"), long.MaxValue, int.MaxValue, WatermarkKind.Low);
        Assert.Equal(unicode, Watermarks.Parse(Watermarks.Encode(unicode)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"v":1,"pipeline":"p","schema":"s","table":"t","chunk":1,"attempt":0}""")]
    [InlineData("""{"v":2,"pipeline":"p","schema":"s","table":"t","chunk":1,"attempt":0,"kind":"low"}""")]
    [InlineData("""{"pipeline":"p","schema":"s","table":"t","chunk":1,"attempt":0,"kind":"low"}""")]
    [InlineData("""{"v":1,"pipeline":"","schema":"s","table":"t","chunk":1,"attempt":0,"kind":"low"}""")]
    [InlineData("""{"v":1,"pipeline":"p","schema":"s","table":"t","chunk":-1,"attempt":0,"kind":"low"}""")]
    [InlineData("""{"v":1,"pipeline":"p","schema":"s","table":"t","chunk":1.5,"attempt":0,"kind":"low"}""")]
    [InlineData("""{"v":1,"pipeline":"p","schema":"s","table":"t","chunk":"1","attempt":0,"kind":"low"}""")]
    [InlineData("""{"v":1,"pipeline":"p","schema":"s","table":"t","chunk":1,"attempt":4294967296,"kind":"low"}""")]
    [InlineData("""{"v":1,"pipeline":"p","schema":"s","table":"t","chunk":1,"attempt":0,"kind":"middle"}""")]
    [InlineData("""{"v":1,"pipeline":"p","schema":"s","table":"t","chunk":1,"attempt":0,"kind":"low","extra":1}""")]
    [InlineData("""{"v":1,"pipeline":"p","pipeline":"q","schema":"s","table":"t","chunk":1,"attempt":0,"kind":"low"}""")]
    [InlineData("""{"v":1,"pipeline":"p","schema":"s","table":"t","chunk":1,"attempt":0,"kind":"low"} {}""")]
    [InlineData("{\"v\":1,\"pipeline\":\"p\",\"schema\":\"s\",\"table\":\"t\",\"chunk\":1,\"attempt\":0,\"kind\":\"low\"")]
    [InlineData("""{"v":1,"pipeline":null,"schema":"s","table":"t","chunk":1,"attempt":0,"kind":"low"}""")]
    public void A_malformed_watermark_is_refused_with_a_fatal_error_that_says_where_it_came_from(string content)
    {
        var e = Assert.Throws<CdcException>(() => Watermarks.Parse(Encoding.UTF8.GetBytes(content)));
        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains(Watermarks.Prefix, e.Message);
        Assert.Contains("not an ActorCdc watermark", e.Message);
    }
}
