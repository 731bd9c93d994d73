using System.Text.RegularExpressions;
using ActorCdc.Testing;
using Xunit.Abstractions;

namespace ActorCdc.Cluster.Tests;

/// <summary>
/// Three (or more) <c>actorcdc-node</c> processes of one cluster, each restartable with its own config (same port,
/// same data directory). Keeps every incarnation's output so a failing test can print it.
/// </summary>
public sealed partial class TestCluster : IAsyncDisposable
{
    /// <summary>Printed by the WalReader when it streams: the node that prints it runs the pipeline singleton.</summary>
    public const string StreamingLine = "streaming from slot";

    private readonly ClusterConfig _config;
    private readonly NodeProcess?[] _nodes;
    private readonly List<(int Node, NodeProcess Process)> _incarnations = [];

    private TestCluster(ClusterConfig config)
    {
        _config = config;
        _nodes = new NodeProcess?[config.Configs.Count];
    }

    public int Count => _nodes.Length;
    public ClusterConfig Config => _config;

    public NodeProcess this[int i] => _nodes[i] ?? throw new InvalidOperationException($"node {i} is not running");

    public bool IsRunning(int i) => _nodes[i] is { HasExited: false };

    public static TestCluster Start(ClusterConfig config)
    {
        var cluster = new TestCluster(config);
        for (var i = 0; i < cluster.Count; i++) cluster.Start(i);
        return cluster;
    }

    /// <summary>Starts node <paramref name="i"/> with its config: a restart keeps its address and data directory.</summary>
    public NodeProcess Start(int i)
    {
        if (IsRunning(i)) throw new InvalidOperationException($"node {i} is already running");
        var p = NodeProcess.Start(_config.Configs[i]);
        _nodes[i] = p;
        lock (_incarnations) _incarnations.Add((i, p));
        return p;
    }

    /// <summary>SIGKILL: no leave, no hand-off, no final snapshot.</summary>
    public async Task KillAsync(int i)
    {
        var p = this[i];
        p.Kill();
        await p.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>SIGTERM: the node leaves the cluster and hands its entities off; returns the exit code.</summary>
    public Task<int> StopAsync(int i, TimeSpan timeout) => this[i].StopAsync(timeout);

    /// <summary>The running node whose WalReader streams (the pipeline singleton's node), other than <paramref name="except"/>.</summary>
    public async Task<int> WaitForSingletonAsync(TimeSpan timeout, int except = -1)
    {
        var found = await Eventually.WaitAsync(
            () => Task.FromResult(Enumerable.Range(0, Count).Where(i => i != except && IsRunning(i) && _nodes[i]!.Output.Contains(StreamingLine, StringComparison.Ordinal)).ToList()),
            l => l.Count > 0, timeout, "a running node streaming from the slot");
        if (found.Count > 1) throw new InvalidOperationException($"nodes {string.Join(", ", found)} all stream from the slot: the singleton ran twice");
        return found[0];
    }

    /// <summary>Tables whose entity started on the current incarnation of node <paramref name="i"/> (from its log).</summary>
    public IReadOnlySet<string> EntitiesStartedOn(int i) =>
        _nodes[i] is { } p
            ? EntityStart().Matches(p.Output).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>();

    /// <summary>Waits until every running node has started at least one table entity: sharding spread them.</summary>
    public Task WaitForEntitiesOnEveryNodeAsync(TimeSpan timeout) =>
        Eventually.WaitAsync(
            () => Task.FromResult(Enumerable.Range(0, Count).Where(IsRunning).Select(i => $"node {i}: [{string.Join(" ", EntitiesStartedOn(i))}]").ToList()),
            l => l.All(s => !s.EndsWith(": []", StringComparison.Ordinal)), timeout, "table entities on every node");

    /// <summary>Writes every incarnation's output (head and tail) to the test output and full logs to files.</summary>
    public void PrintLogs(ITestOutputHelper output)
    {
        var dir = Path.Combine(Path.GetTempPath(), "actorcdc-cluster-logs", DateTime.UtcNow.ToString("HHmmss") + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        lock (_incarnations)
        {
            var n = 0;
            foreach (var (node, p) in _incarnations)
            {
                var text = p.Output;
                var file = Path.Combine(dir, $"node{node}-incarnation{n++}.log");
                File.WriteAllText(file, text);
                var lines = text.Split('\n');
                var shown = lines.Length <= 400 ? text : string.Join('\n', lines.Take(100)) + "\n…\n" + string.Join('\n', lines.TakeLast(300));
                output.WriteLine($"===== node {node} (pid {p.Pid}, port {_config.Ports[node]}, full log {file}) =====\n{shown}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, p) in _incarnations) await p.DisposeAsync();
    }

    [GeneratedRegex(@"public\.(\w+): (?:no snapshot|recovered from snapshot)")]
    private static partial Regex EntityStart();
}
