using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace ActorCdc.Testing;

/// <summary>
/// An <c>actorcdc-node</c> child process started from the build output with a generated config file; its output is
/// captured for assertions and printed on failure. Killed with SIGKILL or stopped with SIGTERM by the test.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly StringBuilder _all = new();

    private NodeProcess(Process process, string configFile)
    {
        _process = process;
        ConfigFile = configFile;
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string ConfigFile { get; }

    /// <summary>The node's metrics and health port (<c>actorcdc.metrics.port</c> in its config), or 0 when the config sets none.</summary>
    public int MetricsPort => MetricsPortOf(File.Exists(ConfigFile) ? File.ReadAllText(ConfigFile) : "");

    /// <summary>The <c>metrics { port = N }</c> of a config made by <see cref="Config"/>, or 0.</summary>
    public static int MetricsPortOf(string hocon) =>
        System.Text.RegularExpressions.Regex.Match(hocon, @"metrics\s*\{\s*port\s*=\s*(\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value) : 0;
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public string Output { get { lock (_all) return _all.ToString(); } }

    /// <summary>Writes <paramref name="hocon"/> to a file and starts a node with it.</summary>
    public static NodeProcess Start(string hocon)
    {
        var file = Path.Combine(Path.GetTempPath(), $"actorcdc-node-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, hocon);
        var dll = Path.Combine(AppContext.BaseDirectory, "actorcdc-node.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("actorcdc-node.dll is not next to the tests; build the solution first", dll);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(file);
        psi.Environment["DOTNET_gcServer"] = "0";
        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start actorcdc-node");
        return new NodeProcess(p, file) { CmdPort = ReadCmdPort(hocon) };
    }

    /// <summary>Config text of a single node listening on a free port, for the given pipelines block.</summary>
    /// <remarks>
    /// State goes to a fresh temporary directory, the same for every node started with the returned text; the
    /// directories are removed when the test process exits. The command host listens on <paramref name="cmdPort"/>,
    /// or a free port (9110 would collide between nodes); <see cref="CmdPort"/> of the started node tells which.
    /// </remarks>
    public static string Config(string pipelines, string extraNode = "", string state = "", string? dataDirectory = null, int? cmdPort = null) =>
        $"actorcdc {{\n  node {{ port = {FreePort.Next()}, status-interval = 500ms {extraNode} }}\n" +
        $"  cmd {{ port = {cmdPort ?? FreePort.Next()} }}\n" +
        $"  metrics {{ port = {FreePort.Next()} }}\n" +
        $"  state {{\n    data-dir = \"{dataDirectory ?? NewDataDirectory()}\"\n    {state}\n  }}\n  {pipelines}\n}}\n";

    /// <summary>The port of the node's command host (<c>actorcdc.cmd.port</c> of its config; 9110 when not set).</summary>
    public int CmdPort { get; private init; } = 9110;

    private static int ReadCmdPort(string hocon)
    {
        try
        {
            var config = Akka.Configuration.ConfigurationFactory.ParseString(ActorCdc.Engine.Configuration.EnvironmentSubstitution.Apply(hocon, _ => ""));
            return config.HasPath("actorcdc.cmd.port") ? config.GetInt("actorcdc.cmd.port") : 9110;
        }
        catch (Exception)
        {
            return 9110; // a config a test made invalid on purpose; the node will refuse it
        }
    }

    /// <summary>
    /// Config texts of <paramref name="nodes"/> nodes of one cluster on loopback: distinct free ports, every node listed
    /// as a seed (so any of them can be restarted and rejoin), one checkpoint storage directory shared by all (they are
    /// on one machine) and a data directory per node. A config restarted later keeps its node's port and data directory.
    /// </summary>
    /// <remarks><paramref name="akka"/>: Akka keys for every node (e.g. a shorter failure detector), outside the actorcdc block.</remarks>
    public static ClusterConfig ClusterConfigs(int nodes, string pipelines, string extraNode = "", string state = "", string akka = "")
    {
        var ports = Enumerable.Range(0, nodes).Select(_ => FreePort.Next()).ToArray();
        var seeds = string.Join(", ", ports.Select(p => $"\"akka.tcp://actorcdc@127.0.0.1:{p}\""));
        var checkpoints = NewDataDirectory();
        var configs = ports.Select(port =>
            $"{akka}\nactorcdc {{\n  node {{\n    hostname = \"127.0.0.1\"\n    port = {port}\n    seed-nodes = [{seeds}]\n    {extraNode}\n  }}\n" +
            $"  cmd {{ port = {FreePort.Next()} }}\n  metrics {{ port = {FreePort.Next()} }}\n" +
            $"  state {{\n    data-dir = \"{NewDataDirectory()}\"\n    checkpoints.storage = \"file://{checkpoints}\"\n    {state}\n  }}\n  {pipelines}\n}}\n").ToArray();
        return new ClusterConfig(configs, ports, checkpoints);
    }

    private static readonly List<string> DataDirectories = [];

    /// <summary>A temporary directory for a node's state, deleted when the test process exits.</summary>
    public static string NewDataDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "actorcdc-node-" + Guid.NewGuid().ToString("N")[..12]);
        lock (DataDirectories)
        {
            if (DataDirectories.Count == 0)
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    lock (DataDirectories)
                        foreach (var d in DataDirectories)
                            try { Directory.Delete(d, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                };
            DataDirectories.Add(dir);
        }
        return dir;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"node did not exit within {timeout}; output:\n{Output}"); }
        _process.WaitForExit(); // flushes the asynchronous output readers
        return _process.ExitCode;
    }

    /// <summary>Waits until the node printed <paramref name="text"/>; fails at once if the node exits first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                if (Output.Contains(text, StringComparison.Ordinal)) return;
                throw new InvalidOperationException($"node exited with {_process.ExitCode} before printing '{text}'; output:\n{Output}");
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {timeout.TotalSeconds:0}s for node output containing '{text}'; output:\n{Output}");
            await Task.Delay(50);
        }
    }

    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, as a service manager stops the node; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return _process.ExitCode;
        ProcessRunner.Run("kill", ["-TERM", _process.Id.ToString()]);
        return await WaitForExitAsync(timeout);
    }

    private void Add(string? line)
    {
        if (line is null) return;
        _lines.Enqueue(line);
        lock (_all)
        {
            _all.AppendLine(line);
            if (LogDirectory is { } dir)
                File.AppendAllText(Path.Combine(dir, $"node-{_process.Id}.log"), line + "\n");
        }
    }

    /// <summary>When ACTORCDC_NODE_LOGS names a directory, every node's output is also written there (for debugging).</summary>
    private static string? LogDirectory => Environment.GetEnvironmentVariable("ACTORCDC_NODE_LOGS") is { Length: > 0 } d && Directory.Exists(d) ? d : null;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
            catch (InvalidOperationException) { }
        }
        _process.Dispose();
        try { File.Delete(ConfigFile); } catch (IOException) { }
    }
}
