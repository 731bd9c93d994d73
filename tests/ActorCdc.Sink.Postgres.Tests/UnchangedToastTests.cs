using ActorCdc.Sink.Postgres.Tests.Support;
using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.Sink.Postgres.Tests;

/// <summary>Updates that leave TOASTed values unchanged become partial updates that keep the sink's value.</summary>
public class UnchangedToastTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private const string Docs = "SELECT id, small, length(big), md5(big) FROM public.docs ORDER BY id";
    private static readonly string BigA = Big('a');
    private static readonly string BigB = Big('b');
    private static readonly string BigC = Big('c');

    [Theory]
    [InlineData(PostgresBatchStrategy.Unnest)]
    [InlineData(PostgresBatchStrategy.CopyMerge)]
    [InlineData(PostgresBatchStrategy.MultiRowInsert)]
    public async Task Update_with_unchanged_toast_keeps_the_1MB_value(PostgresBatchStrategy strategy)
    {
        await using var h = await SinkHarness.StartAsync(pg.Server, strategy);
        var script = new ChangeScript(TestSchemas.Table("public.docs", "id integer key", "small text", "big text"));
        var sink = h.SinkFor(script.Schema);
        await SinkHarness.ApplyAsync(sink, script.Insert(1, "s", BigA).Insert(2, "t", BigB).Commit());

        // Row 1: partial update of a sink row; row 3: inserted and partially updated in the same batch;
        // row 2: two partial updates, then a full one.
        script.Update(1, "s2", Row.Toast).Insert(3, "u", BigC).Update(3, "u2", Row.Toast).Commit()
            .Update(2, "t2", Row.Toast).Update(2, "t3", Row.Toast).Update(2, "t4", "small now").Commit();
        await SinkHarness.ApplyAsync(sink, script);
        script.Update(1, "s3", Row.Toast).Commit();
        await SinkHarness.ApplyAsync(sink, script);

        Assert.Equal(
            [$"(1,s3,{BigA.Length},{Md5(BigA)})", $"(2,t4,9,{Md5("small now")})", $"(3,u2,{BigC.Length},{Md5(BigC)})"],
            await h.RowsAsync(Docs));
    }

    [Theory]
    [InlineData(PostgresBatchStrategy.Unnest)]
    [InlineData(PostgresBatchStrategy.CopyMerge)]
    [InlineData(PostgresBatchStrategy.MultiRowInsert)]
    public async Task Key_change_with_unchanged_toast_takes_the_value_of_the_old_row(PostgresBatchStrategy strategy)
    {
        await using var h = await SinkHarness.StartAsync(pg.Server, strategy);
        var script = new ChangeScript(TestSchemas.Table("public.docs", "id integer key", "small text", "big text"));
        var sink = h.SinkFor(script.Schema);
        await SinkHarness.ApplyAsync(sink, script.Insert(1, "s", BigA).Insert(5, "t", BigB).Insert(8, "v", BigC).Commit());

        // 1 -> 2 -> 3 keeps the sink's value of 1, while 5 -> 1 reuses key 1 with the value of 5 (both read before any write);
        // 8 gets a partial update then moves to 9; 10 is inserted then moved to 11 in the batch.
        script.UpdateKey([1], 2, "s2", Row.Toast).UpdateKey([2], 3, "s3", Row.Toast).Commit()
            .UpdateKey([5], 1, "t2", Row.Toast).Update(8, "v2", Row.Toast).UpdateKey([8], 9, "v3", Row.Toast)
            .Insert(10, "w", BigA).UpdateKey([10], 11, "w2", Row.Toast).Commit();
        await SinkHarness.ApplyAsync(sink, script);

        Assert.Equal(
            [$"(1,t2,{BigB.Length},{Md5(BigB)})", $"(3,s3,{BigA.Length},{Md5(BigA)})", $"(9,v3,{BigC.Length},{Md5(BigC)})",
             $"(11,w2,{BigA.Length},{Md5(BigA)})"],
            await h.RowsAsync(Docs));
    }

    private static string Big(char seed)
    {
        // Varied content so that compression does not shrink it below the TOAST threshold's interest.
        var chars = new char[1024 * 1024];
        var random = new Random(seed);
        for (var i = 0; i < chars.Length; i++) chars[i] = (char)('a' + random.Next(26));
        chars[0] = seed;
        return new string(chars);
    }

    private static string Md5(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
