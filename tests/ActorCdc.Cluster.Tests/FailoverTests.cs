using System.Text.RegularExpressions;
using ActorCdc.Testing;
using Xunit;
using Xunit.Abstractions;

namespace ActorCdc.Cluster.Tests;

/// <summary>
/// A three-node cluster on loopback (DESIGN.md §5): nodes die (SIGKILL) or leave (SIGTERM) under a continuous
/// workload; the pipeline singleton and the table entities restart on the survivors from checkpoint storage and the
/// slot, and the sink ends equal to the source row by row with the per-transaction counter applied exactly once.
/// </summary>
public partial class FailoverTests(ClusterFixture pg, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Failover = TimeSpan.FromSeconds(120);

    /// <summary>
    /// The rest of a backfill after the failover: chunks are latency-bound (watermarks go through the WAL and back), about
    /// a chunk a second on 2 busy cores, and the tables grow under the workload. A deadline, not an expected duration.
    /// </summary>
    private static readonly TimeSpan BackfillRest = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Akka settings that keep the suite fast: the resolver acts 3s after the failure detector's 3s; shards rebalance
    /// every 2s, so they spread over nodes that joined after the first allocations. Not min-nr-of-members = 3: a new
    /// shard coordinator answers no GetShardHome until that many regions registered, so with one node dead the shards
    /// it has not located yet would never get a home.
    /// </summary>
    private const string Akka = """
        akka.cluster.failure-detector.acceptable-heartbeat-pause = 3s
        akka.cluster.sharding.rebalance-interval = 2s
        """;

    private const string Node = "split-brain-resolver {\n      stable-after = 3s\n    }";

    /// <summary>Rows per table for the backfill tests, read in chunks small enough that a kill lands mid-backfill.</summary>
    private const int BackfillRows = 6000;
    private const string SmallChunks = "snapshot { chunk-size = 400, parallelism = 2 }";

    private static ClusterConfig Configs(ClusterScenario s, string pipelineExtra = "") =>
        NodeProcess.ClusterConfigs(3, s.Pipeline(pipelineExtra), extraNode: Node, akka: Akka);

    [Fact]
    public async Task Killing_the_walreader_node_during_backfill_continues_on_the_other_two_without_loss()
    {
        var s = await ClusterScenario.CreateAsync(pg.Server, existingRowsPerTable: BackfillRows);
        await using var cluster = TestCluster.Start(Configs(s, SmallChunks));
        await RunAsync(cluster, async () =>
        {
            var (singleton, started) = await BackfillUnderWayAsync(cluster, s);
            await using var work = started;

            await cluster.KillAsync(singleton);
            var next = await cluster.WaitForSingletonAsync(Failover, except: singleton);
            await cluster[next].WaitForOutputAsync("backfill finished; switching to the steady profile", BackfillRest);
            await FinishAsync(s, work);
        });
    }

    [Fact]
    public async Task Killing_the_walreader_node_during_streaming_continues_on_the_other_two_without_loss()
    {
        var s = await ClusterScenario.CreateAsync(pg.Server);
        await using var cluster = TestCluster.Start(Configs(s));
        await RunAsync(cluster, async () =>
        {
            var (singleton, started) = await StreamingUnderWayAsync(cluster, s);
            await using var work = started;

            await cluster.KillAsync(singleton);
            await cluster.WaitForSingletonAsync(Failover, except: singleton);
            await ProgressAsync(s, work);
            await FinishAsync(s, work);
        });
    }

    [Fact]
    public async Task Killing_a_node_with_only_entities_during_streaming_moves_them_without_loss()
    {
        var s = await ClusterScenario.CreateAsync(pg.Server);
        await using var cluster = TestCluster.Start(Configs(s));
        await RunAsync(cluster, async () =>
        {
            var (singleton, started) = await StreamingUnderWayAsync(cluster, s);
            await using var work = started;
            var victim = Enumerable.Range(0, 3).First(i => i != singleton);
            var moved = cluster.EntitiesStartedOn(victim);

            await cluster.KillAsync(victim);
            await RestartedOnSurvivorsAsync(cluster, moved);
            Assert.True(cluster.IsRunning(singleton), "the singleton's node is still up");
            await ProgressAsync(s, work);
            await FinishAsync(s, work);
        });
    }

    [Fact]
    public async Task Killing_a_node_with_only_entities_during_backfill_moves_them_without_loss()
    {
        var s = await ClusterScenario.CreateAsync(pg.Server, existingRowsPerTable: BackfillRows);
        await using var cluster = TestCluster.Start(Configs(s, SmallChunks));
        await RunAsync(cluster, async () =>
        {
            var (singleton, started) = await BackfillUnderWayAsync(cluster, s);
            await using var work = started;
            var victim = Enumerable.Range(0, 3).First(i => i != singleton);
            var moved = cluster.EntitiesStartedOn(victim);

            await cluster.KillAsync(victim);
            // Chunks the dead node's entities were merging are read again for their new incarnations.
            await RestartedOnSurvivorsAsync(cluster, moved);
            await cluster[singleton].WaitForOutputAsync("backfill finished; switching to the steady profile", BackfillRest);
            await FinishAsync(s, work);
        });
    }

    [Fact]
    public async Task A_node_leaving_gracefully_hands_its_entities_off_after_a_final_snapshot()
    {
        var s = await ClusterScenario.CreateAsync(pg.Server);
        await using var cluster = TestCluster.Start(Configs(s));
        await RunAsync(cluster, async () =>
        {
            var (singleton, started) = await StreamingUnderWayAsync(cluster, s);
            await using var work = started;
            var leaving = Enumerable.Range(0, 3).First(i => i != singleton);
            var moved = cluster.EntitiesStartedOn(leaving);

            Assert.Equal(0, await cluster.StopAsync(leaving, TimeSpan.FromSeconds(90)));
            var left = cluster[leaving].Output;
            // An entity may have been handed off before (rebalancing) and come back: its last hand-off counts.
            var handedOff = HandOff().Matches(left).GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Last().Groups[2].Value);
            Assert.True(moved.IsSubsetOf(handedOff.Keys), $"final snapshots of [{string.Join(" ", moved)}], saw [{string.Join(" ", handedOff.Keys)}]");
            // Each moved entity starts on a survivor from the final snapshot of the node that left (its epoch).
            await Eventually.WaitAsync(() => Task.FromResult(moved.Where(t => !Enumerable.Range(0, 3).Where(cluster.IsRunning)
                    .Any(i => cluster[i].Output.Contains($"public.{t}: recovered from snapshot at ", StringComparison.Ordinal) &&
                              cluster[i].Output.Contains($"(epoch {handedOff[t]}); this incarnation", StringComparison.Ordinal))).ToList()),
                l => l.Count == 0, Failover, "entities started from the final snapshots");
            await ProgressAsync(s, work);
            await FinishAsync(s, work);
        });
    }

    [Fact]
    public async Task A_killed_node_restarted_on_its_address_rejoins_and_takes_entities_again()
    {
        var s = await ClusterScenario.CreateAsync(pg.Server);
        await using var cluster = TestCluster.Start(Configs(s));
        await RunAsync(cluster, async () =>
        {
            var (singleton, started) = await StreamingUnderWayAsync(cluster, s);
            await using var work = started;
            var victim = Enumerable.Range(0, 3).First(i => i != singleton);

            await cluster.KillAsync(victim);
            await ProgressAsync(s, work);
            var back = cluster.Start(victim);
            // Rebalancing gives the returning node shards again; their entities start there from checkpoint storage.
            await Eventually.WaitAsync(() => Task.FromResult(cluster.EntitiesStartedOn(victim).Count), n => n > 0, Failover,
                "entities on the restarted node");
            Assert.False(back.HasExited);
            await ProgressAsync(s, work);
            await FinishAsync(s, work);
        });
    }

    /// <summary>The entities of a dead node start again on the survivors, from checkpoint storage.</summary>
    private static Task RestartedOnSurvivorsAsync(TestCluster cluster, IReadOnlySet<string> moved) =>
        Eventually.WaitAsync(
            () => Task.FromResult(moved.Except(Enumerable.Range(0, cluster.Count).Where(cluster.IsRunning).SelectMany(cluster.EntitiesStartedOn)).ToList()),
            l => l.Count == 0, Failover, "the dead node's entities restarted on the survivors");

    /// <summary>Starts the workload once the singleton streams and returns when the backfill is under way with entities on every node.</summary>
    private static async Task<(int Singleton, Workload Work)> BackfillUnderWayAsync(TestCluster cluster, ClusterScenario s)
    {
        var singleton = await cluster.WaitForSingletonAsync(Startup);
        var work = Workload.Start(s);
        try
        {
            await Eventually.WaitAsync(async () => await s.SinkRowsAsync() > BackfillRows, Startup, "backfill under way");
            await cluster.WaitForEntitiesOnEveryNodeAsync(Startup);
            Assert.False(BackfillFinished(cluster[singleton]), "the backfill finished before the kill; make the tables larger");
            return (singleton, work);
        }
        catch
        {
            await work.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the workload once the backfill is over and returns when changes flow with entities on every node.</summary>
    private static async Task<(int Singleton, Workload Work)> StreamingUnderWayAsync(TestCluster cluster, ClusterScenario s)
    {
        var singleton = await StreamingAsync(cluster);
        var work = Workload.Start(s);
        try
        {
            await ProgressAsync(s, work);
            await cluster.WaitForEntitiesOnEveryNodeAsync(Startup);
            return (singleton, work);
        }
        catch
        {
            await work.DisposeAsync();
            throw;
        }
    }

    private static async Task<int> StreamingAsync(TestCluster cluster)
    {
        var singleton = await cluster.WaitForSingletonAsync(Startup);
        await cluster[singleton].WaitForOutputAsync("backfill finished; switching to the steady profile", Startup);
        return singleton;
    }

    /// <summary>Waits until the sink's counter passes what the source had committed when called: changes flow.</summary>
    private static async Task ProgressAsync(ClusterScenario s, Workload work)
    {
        var target = work.Committed + 20;
        await Eventually.WaitAsync(s.SinkCounterAsync, n => n >= target, Failover, $"the sink's counter to reach {target}");
    }

    private static async Task FinishAsync(ClusterScenario s, Workload work)
    {
        var committed = await work.StopAsync();
        await s.AssertSinkEqualsSourceAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(committed, await s.SinkCounterAsync());
    }

    private static bool BackfillFinished(NodeProcess node) => node.Output.Contains("backfill finished; switching", StringComparison.Ordinal);

    private async Task RunAsync(TestCluster cluster, Func<Task> test)
    {
        try { await test(); }
        catch
        {
            cluster.PrintLogs(output);
            throw;
        }
    }

    [GeneratedRegex(@"public\.(\w+): handed off after a final snapshot at \S+ \(epoch (\d+)\)")]
    private static partial Regex HandOff();
}
