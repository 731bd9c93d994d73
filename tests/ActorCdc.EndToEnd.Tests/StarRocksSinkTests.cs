using ActorCdc.Testing;
using Npgsql;
using Xunit;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>PostgreSQL → pipeline → StarRocks (the faithful test double): backfill and streaming across a SIGKILL mid-load.</summary>
public class StarRocksSinkTests(E2eFixture pg) : IClassFixture<E2eFixture>
{
    [Fact]
    public async Task The_double_ends_equal_to_the_source_after_a_kill_mid_load()
    {
        await using var sr = await SrDouble.StartAsync();
        sr.Execute("CREATE DATABASE IF NOT EXISTS analytics");
        var s = await Scenario.CreateAsync(pg.Server, """
            CREATE TABLE t (id int PRIMARY KEY, v text, big text);
            ALTER TABLE t ALTER COLUMN big SET STORAGE EXTERNAL;
            INSERT INTO t SELECT g, 'initial ' || g, CASE WHEN g % 100 = 0 THEN repeat(md5(g::text), 2000) END FROM generate_series(1, 3000) g;
            """);
        var sink = $"type = starrocks, load-url = \"{sr.LoadUrl}\", jdbc-url = \"{sr.JdbcUrl}\", database = analytics, " +
                   $"username = \"{sr.User}\", password = \"{sr.Password}\", min-load-interval = 0s";
        var pipeline = s.Pipeline().Replace($"type = postgres, connection-string = \"{pg.Server.ConnectionString(s.SinkDb)}\"", sink);
        var config = NodeProcess.Config(pipeline);
        var node = NodeProcess.Start(config);
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await using (var conn = new NpgsqlConnection(pg.Server.ConnectionString(s.SourceDb)))
        {
            await conn.OpenAsync();
            for (var i = 0; i < 120; i++)
            {
                await using var cmd = new NpgsqlCommand($"""
                    INSERT INTO t VALUES ({10000 + i}, 'new {i}', NULL);
                    UPDATE t SET v = 'updated {i}' WHERE id = {i * 13 % 3000 + 1};
                    DELETE FROM t WHERE id = {i * 7 % 3000 + 2};
                    """, conn);
                await cmd.ExecuteNonQueryAsync();
                if (i == 60)
                {
                    node.Kill();
                    await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
                    await node.DisposeAsync();
                    node = NodeProcess.Start(config);
                    await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
                }
            }
        }
        await using var last = node;
        var expected = await pg.Server.RowsAsTextAsync(s.SourceDb, "SELECT id, v, md5(coalesce(big, '')) FROM t ORDER BY id");
        List<string> actual = [];
        await Eventually.WaitAsync(() =>
        {
            actual = sr.TableExists("analytics", "t")
                ? sr.Table("analytics", "t")
                    .Select(r => (Id: int.Parse(r["id"]!), V: r["v"], Big: r["big"]))
                    .OrderBy(r => r.Id)
                    .Select(r => $"({r.Id},\"{r.V}\",{Md5(r.Big ?? "")})")
                    .ToList()
                : [];
            return Task.FromResult(actual.SequenceEqual(expected));
        }, TimeSpan.FromMinutes(2), "the StarRocks double to equal the source");
        Assert.Equal(expected, actual);
    }

    private static string Md5(string s) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(s)));
}
