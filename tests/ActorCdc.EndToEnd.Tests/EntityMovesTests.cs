using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>
/// Restart from the last snapshot across nodes (DESIGN.md §3.6): an entity that moves A → B → A, with events written on
/// each node, ends with the right state: back on A it starts from B's final snapshot, not from A's older local state.
/// </summary>
public class EntityMovesTests(E2eFixture pg) : IClassFixture<E2eFixture>
{
    [Fact]
    public async Task An_entity_moving_a_to_b_to_a_starts_from_bs_snapshot_and_the_sink_equals_the_source()
    {
        var s = await Scenario.CreateAsync(pg.Server, "CREATE TABLE t (id int PRIMARY KEY, v text);");
        var checkpoints = NodeProcess.NewDataDirectory();
        var state = $"checkpoints.storage = \"file://{checkpoints}\"";
        var pipeline = s.Pipeline(extra: "checkpoints.interval = 1h"); // snapshots only at start and hand-off
        var dirA = NodeProcess.NewDataDirectory();
        var dirB = NodeProcess.NewDataDirectory();

        // On A: events in A's journal, then A dies without a final snapshot.
        var a = NodeProcess.Start(NodeProcess.Config(pipeline, state: state, dataDirectory: dirA));
        await a.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await s.ExecAsync("INSERT INTO t SELECT g, 'a' || g FROM generate_series(1, 300) g;");
        await s.AssertSinkEqualsSourceAsync("t", "id");
        a.Kill();
        await a.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await a.DisposeAsync();

        // On B: starts from A's start snapshot in storage, writes its own events, hands off gracefully.
        string epochOfB;
        await using (var b = NodeProcess.Start(NodeProcess.Config(pipeline, state: state, dataDirectory: dirB)))
        {
            await b.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
            await s.ExecAsync("UPDATE t SET v = 'b' WHERE id <= 100; DELETE FROM t WHERE id > 250;");
            await b.WaitForOutputAsync("public.t: recovered from snapshot", TimeSpan.FromSeconds(60));
            epochOfB = System.Text.RegularExpressions.Regex.Match(b.Output, @"public\.t: recovered from snapshot at \S+ \(epoch \d+\); this incarnation is epoch (\d+)").Groups[1].Value;
            Assert.NotEmpty(epochOfB);
            await s.AssertSinkEqualsSourceAsync("t", "id");
            Assert.Equal(0, await b.StopAsync(TimeSpan.FromSeconds(60)));
        }

        // Back on A: B's final snapshot is the newest; A's local events belong to an earlier incarnation.
        await using var again = NodeProcess.Start(NodeProcess.Config(pipeline, state: state, dataDirectory: dirA));
        await again.WaitForOutputAsync("streaming from slot", TimeSpan.FromSeconds(60));
        await s.ExecAsync("INSERT INTO t VALUES (1000, 'again');");
        await again.WaitForOutputAsync($"(epoch {epochOfB});", TimeSpan.FromSeconds(60));
        await s.AssertSinkEqualsSourceAsync("t", "id");
    }
}
