using ActorCdc.Testing;
using Npgsql;
using Parquet;
using Xunit;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>PostgreSQL → pipeline → Parquet files published at checkpoints: replaying the files' change log in position order gives the source table, also across a SIGKILL.</summary>
public class ParquetSinkTests(E2eFixture pg) : IClassFixture<E2eFixture>
{
    [Fact]
    public async Task Files_published_at_checkpoints_replay_to_the_source_table_across_a_kill()
    {
        var s = await Scenario.CreateAsync(pg.Server, """
            CREATE TABLE t (id int PRIMARY KEY, v text);
            INSERT INTO t SELECT g, 'initial ' || g FROM generate_series(1, 3000) g;
            """);
        var dir = Path.Combine(NodeProcess.NewDataDirectory(), "lake");
        var pipeline = s.Pipeline(extra: "checkpoints.interval = 300ms")
            .Replace($"type = postgres, connection-string = \"{pg.Server.ConnectionString(s.SinkDb)}\"", $"type = parquet, path = \"file://{dir}\", roll.max-age = 1s");
        var config = NodeProcess.Config(pipeline);
        var node = NodeProcess.Start(config);
        await node.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await using (var conn = new NpgsqlConnection(pg.Server.ConnectionString(s.SourceDb)))
        {
            await conn.OpenAsync();
            for (var i = 0; i < 150; i++)
            {
                await using var cmd = new NpgsqlCommand($"""
                    INSERT INTO t VALUES ({10000 + i}, 'new {i}');
                    UPDATE t SET v = 'updated {i}' WHERE id = {i * 13 % 3000 + 1};
                    DELETE FROM t WHERE id = {i * 7 % 3000 + 1};
                    """, conn);
                await cmd.ExecuteNonQueryAsync();
                if (i == 70)
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
        var expected = (await pg.Server.RowsAsTextAsync(s.SourceDb, "SELECT * FROM t ORDER BY id")).ToList();
        List<string> actual = [];
        await Eventually.WaitAsync(async () =>
        {
            actual = await ReplayAsync(dir);
            return actual.SequenceEqual(expected);
        }, TimeSpan.FromMinutes(2), "the published Parquet change log to replay to the source table");
        Assert.Equal(expected, actual);
    }

    /// <summary>Applies every published file's changes in position order; the result rendered as PostgreSQL renders (id,v).</summary>
    private static async Task<List<string>> ReplayAsync(string dir)
    {
        var changes = new List<(long Lsn, long Index, string Op, int Id, string? V)>();
        if (!Directory.Exists(dir)) return [];
        foreach (var file in Directory.EnumerateFiles(dir, "*.parquet", SearchOption.AllDirectories))
        {
            if (file.Contains("/_staging/", StringComparison.Ordinal)) continue;
            await using var stream = File.OpenRead(file);
            await using var reader = await ParquetReader.CreateAsync(stream);
            var fields = reader.Schema.GetDataFields();
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var n = (int)group.RowCount;
                var ids = new int?[n];
                var vs = new string?[n];
                var ops = new string?[n];
                var lsns = new long?[n];
                var idx = new long?[n];
                await group.ReadAsync(fields.Single(f => f.Name == "id"), ids.AsMemory());
                await group.ReadAsync(fields.Single(f => f.Name == "v"), vs.AsMemory());
                await group.ReadAsync(fields.Single(f => f.Name == "__op"), ops.AsMemory());
                await group.ReadAsync(fields.Single(f => f.Name == "__commit_lsn"), lsns.AsMemory());
                await group.ReadAsync(fields.Single(f => f.Name == "__index"), idx.AsMemory());
                for (var i = 0; i < n; i++) changes.Add((lsns[i]!.Value, idx[i]!.Value, ops[i]!, ids[i] ?? 0, vs[i]));
            }
        }
        // No change is published twice (a crash between staging and publishing must not duplicate rows).
        var distinct = changes.Select(c => (c.Lsn, c.Index, c.Op)).Distinct().Count();
        if (distinct != changes.Count) throw new InvalidOperationException($"{changes.Count - distinct} change(s) published more than once");
        var table = new SortedDictionary<int, string?>();
        foreach (var c in changes.OrderBy(c => c.Lsn).ThenBy(c => c.Index).ThenBy(c => c.Op == "update_before" ? 0 : 1))
        {
            switch (c.Op)
            {
                case "insert" or "update": table[c.Id] = c.V; break;
                case "delete" or "update_before": table.Remove(c.Id); break;
                case "truncate": table.Clear(); break;
            }
        }
        return table.Select(kv => $"({kv.Key},\"{kv.Value}\")").ToList();
    }
}
