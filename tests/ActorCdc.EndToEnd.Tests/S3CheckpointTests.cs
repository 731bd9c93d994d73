using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>Checkpoints on S3 (a real s3rver): a node started on an empty disk restores every entity from S3 and resumes.</summary>
public class S3CheckpointTests(E2eFixture pg) : IClassFixture<E2eFixture>
{
    [Fact]
    public async Task A_node_on_an_empty_disk_restores_every_entity_from_s3_and_resumes_the_stream()
    {
        await using var s3 = S3Server.StartNew("checkpoints");
        var s = await Scenario.CreateAsync(pg.Server, """
            CREATE TABLE a (id int PRIMARY KEY, v text);
            CREATE TABLE b (id int PRIMARY KEY, n numeric);
            INSERT INTO a SELECT g, 'a' || g FROM generate_series(1, 1000) g;
            """);
        var state = $"checkpoints {{ storage = \"s3://checkpoints/cdc\"\n s3 {s3.SettingsHocon} }}";
        var pipeline = s.Pipeline(extra: "checkpoints.interval = 200ms");
        await using (var first = NodeProcess.Start(NodeProcess.Config(pipeline, state: state)))
        {
            await first.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
            await s.ExecAsync("INSERT INTO b SELECT g, g / 3.0 FROM generate_series(1, 500) g; UPDATE a SET v = 'x' WHERE id < 50;");
            await s.AssertSinkEqualsSourceAsync("a", "id");
            await s.AssertSinkEqualsSourceAsync("b", "id");
            Assert.Equal(0, await first.StopAsync(TimeSpan.FromSeconds(60))); // graceful: final snapshots uploaded
        }

        // A fresh data directory: nothing local; everything comes from S3.
        await using var second = NodeProcess.Start(NodeProcess.Config(pipeline, state: state));
        await second.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        // Entities start on their first change: touch both tables, then each must have started from its S3 snapshot.
        await s.ExecAsync("DELETE FROM a WHERE id > 900; INSERT INTO b VALUES (1000, 1);");
        await second.WaitForOutputAsync("public.a: recovered from snapshot", TimeSpan.FromSeconds(60));
        await second.WaitForOutputAsync("public.b: recovered from snapshot", TimeSpan.FromSeconds(60));
        await s.AssertSinkEqualsSourceAsync("a", "id");
        await s.AssertSinkEqualsSourceAsync("b", "id");
    }
}
