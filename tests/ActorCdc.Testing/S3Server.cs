using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorCdc.Testing;

/// <summary>
/// A throwaway S3-compatible server: npm <c>s3rver</c> 3.7.1 from <c>tests/tools</c> on a free loopback port with a temp
/// data directory and one bucket. <see cref="Stop"/> and <see cref="Start()"/> keep the port and the data, to simulate an
/// outage. Killed and its directory deleted on dispose. Needs <c>node</c> and <c>npm ci --prefix tests/tools</c>
/// (<c>./build.sh test</c> does both).
/// </summary>
public sealed class S3Server : IAsyncDisposable, IDisposable
{
    /// <summary>s3rver's built-in credentials.</summary>
    public const string AccessKey = "S3RVER";

    /// <summary>s3rver's built-in credentials.</summary>
    public const string SecretKey = "S3RVER";

    private readonly string _script;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private S3Server(string script, string dataDirectory, int port, string bucket)
    {
        _script = script;
        DataDirectory = dataDirectory;
        Port = port;
        Bucket = bucket;
    }

    public int Port { get; }
    public string Bucket { get; }
    public string DataDirectory { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>What the server printed so far (it runs with --silent, so mostly errors).</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>
    /// The <c>s3 { ... }</c> settings block that reaches this server: path-style addressing, its credentials, and
    /// aws-chunked uploads off (s3rver would store the chunk framing inside the objects).
    /// </summary>
    public string SettingsHocon =>
        $"{{ endpoint = \"{Endpoint}\", region = \"us-east-1\", force-path-style = on, access-key = \"{AccessKey}\", secret-key = \"{SecretKey}\", use-chunk-encoding = off }}";

    /// <summary>Starts a server with an empty data directory and the bucket <paramref name="bucket"/>.</summary>
    public static S3Server StartNew(string bucket = "actorcdc-test")
    {
        var script = FindScript();
        var dir = Path.Combine(Path.GetTempPath(), "actorcdc-s3-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var server = new S3Server(script, dir, FreePort.Next(), bucket);
        try
        {
            server.Start();
        }
        catch
        {
            server.Dispose();
            throw;
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    }

    /// <summary>Starts the server (again) on the same port and data directory; returns once it accepts connections.</summary>
    public void Start()
    {
        if (IsRunning) return;
        var psi = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { _script, "--directory", DataDirectory, "--address", "127.0.0.1", "--port", Port.ToString(), "--silent",
                                  "--no-vhost-buckets", "--configure-bucket", Bucket })
            psi.ArgumentList.Add(a);
        // Without it, s3rver's continuation tokens (ListObjectsV2 paging) fail with HTTP 500 on Node 17+.
        psi.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("node is not installed: run ./build.sh test (it installs nodejs and npm), or apt-get install nodejs npm", e);
        }
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"s3rver exited with {process.ExitCode} while starting on port {Port}; output:\n{Output}");
            if (Accepts()) return;
            if (DateTime.UtcNow > deadline)
            {
                Stop();
                throw new TimeoutException($"s3rver did not accept connections on {Endpoint} within 30s; output:\n{Output}");
            }
            process.WaitForExit(50); // a bounded wait on the process itself, not a sleep: returns at once if it dies
        }
    }

    /// <summary>Kills the server (an outage); the data directory and the port stay for <see cref="Start()"/>.</summary>
    public void Stop()
    {
        var process = _process;
        _process = null;
        if (process is null) return;
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        process.Dispose();
    }

    /// <summary>The bytes s3rver stores for <paramref name="key"/> in the bucket, read from its data directory.</summary>
    public byte[]? ReadStoredObject(string key)
    {
        // s3rver keeps an object's body in "<bucket>/<key>._S3rver_object".
        var path = Path.Combine(DataDirectory, Bucket, key.Replace('/', Path.DirectorySeparatorChar) + "._S3rver_object");
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Already gone, or still being written by a dying process: it is in the temp directory either way.
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private bool Accepts()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private static string FindScript()
    {
        const string relative = "tests/tools/node_modules/s3rver/bin/s3rver.js";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
            if (File.Exists(Path.Combine(dir.FullName, "ActorCdc.sln")))
                throw new FileNotFoundException(
                    $"s3rver is not installed under {Path.Combine(dir.FullName, "tests", "tools")}: run ./build.sh test, or npm ci --prefix tests/tools", candidate);
        }
        throw new FileNotFoundException($"no {relative} above {AppContext.BaseDirectory}: run the tests from the repository's build output");
    }
}
