using System.Diagnostics;
using System.Text;
using ActorCdc.Cmd.Hosting;
using Xunit;

namespace ActorCdc.Cmd.Tests;

/// <summary>
/// The real <c>actorcdc</c> executable against a command host in this process serving the test palette: exit codes,
/// streaming to stdout, Ctrl+C (SIGINT) during a streaming command.
/// </summary>
public sealed class ClientProcessTests : IAsyncLifetime
{
    private readonly TestPaletteHandler _handler = new();
    private CommandHost? _host;

    private int Port => _host!.BoundEndPoint!.Port;

    public async Task InitializeAsync()
    {
        _host = new CommandHost(new CommandHostSettings("127.0.0.1", 0, null), [_handler], "test-node");
        await _host.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _host!.DisposeAsync();

    /// <summary>The client as a child process; stdout and stderr are collected as they arrive.</summary>
    private sealed class Client : IDisposable
    {
        private readonly StringBuilder _out = new();
        private readonly StringBuilder _err = new();

        public Client(params string[] args)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "actorcdc.dll"));
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment.Remove("ACTORCDC_TOKEN");
            Process = Process.Start(psi)!;
            Process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_out) _out.AppendLine(e.Data); };
            Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_err) _err.AppendLine(e.Data); };
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public Process Process { get; }
        public string Stdout { get { lock (_out) return _out.ToString(); } }
        public string Stderr { get { lock (_err) return _err.ToString(); } }

        public async Task<int> ExitAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try { await Process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException) { throw new TimeoutException($"actorcdc did not exit within 60s; stdout:\n{Stdout}\nstderr:\n{Stderr}"); }
            Process.WaitForExit(); // flushes the output readers
            return Process.ExitCode;
        }

        public override string ToString() => $"stdout:\n{Stdout}\nstderr:\n{Stderr}";

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }

    [Fact]
    public async Task A_command_prints_its_output_and_exits_0()
    {
        using var c = new Client("--host", $"127.0.0.1:{Port}", "test", "echo", "hello world", "--json");
        Assert.True(await c.ExitAsync() == 0, c.ToString());
        Assert.Equal("hello world (json)\n", c.Stdout);
        Assert.Equal("", c.Stderr);
    }

    [Fact]
    public async Task A_command_the_node_carried_out_and_that_failed_exits_1_with_its_message()
    {
        using var c = new Client("--host", $"127.0.0.1:{Port}", "test", "fail");
        Assert.True(await c.ExitAsync() == 1, c.ToString());
        Assert.Equal("actorcdc: the pipeline refused: fix it and retry\n", c.Stderr);
    }

    [Fact]
    public async Task A_missing_argument_exits_2_with_one_line()
    {
        using var c = new Client("--host", $"127.0.0.1:{Port}", "test", "echo");
        Assert.True(await c.ExitAsync() == 2, c.ToString());
        Assert.StartsWith("actorcdc: missing argument 'text' (-t or --text <text>, or as a value)", c.Stderr);
        Assert.Single(c.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Palette_help_lists_the_commands_the_node_sent()
    {
        using var c = new Client("--host", $"127.0.0.1:{Port}", "test", "help");
        Assert.True(await c.ExitAsync() == 0, c.ToString());
        Assert.Contains("test echo <text>", c.Stdout);
        Assert.Contains("test stream [--name <name>]", c.Stdout);
    }

    [Fact]
    public async Task Ctrl_c_during_a_streaming_command_cancels_it_and_exits_0()
    {
        Syscall.DefaultSigIntForChildren();
        using var c = new Client("--host", $"127.0.0.1:{Port}", "test", "stream", "--name", "cli");
        await WaitForAsync(c, "cli line 1");
        Assert.Equal(0, Syscall.Kill(c.Process.Id, Syscall.SigInt));
        Assert.True(await c.ExitAsync() == 0, c.ToString());
        await _handler.Signal(_handler.Cancelled, "cli").Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("", c.Stderr);
    }

    [Fact]
    public async Task Ctrl_c_in_interactive_mode_cancels_the_running_command_and_the_shell_goes_on()
    {
        Syscall.DefaultSigIntForChildren();
        using var c = new Client("--host", $"127.0.0.1:{Port}", "-i");
        await c.Process.StandardInput.WriteLineAsync("test stream --name shell");
        await c.Process.StandardInput.FlushAsync();
        await WaitForAsync(c, "shell line 1");
        Assert.Equal(0, Syscall.Kill(c.Process.Id, Syscall.SigInt));
        await _handler.Signal(_handler.Cancelled, "shell").Task.WaitAsync(TimeSpan.FromSeconds(10));
        await c.Process.StandardInput.WriteLineAsync("test echo \"still here\"");
        await c.Process.StandardInput.WriteLineAsync("exit");
        await c.Process.StandardInput.FlushAsync();
        Assert.True(await c.ExitAsync() == 0, c.ToString());
        Assert.Contains("still here\n", c.Stdout);
        Assert.Contains("connected to test-node", c.Stdout);
    }

    private static async Task WaitForAsync(Client c, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!c.Stdout.Contains(text))
        {
            if (c.Process.HasExited || DateTime.UtcNow > deadline) throw new TimeoutException($"waited for '{text}'; " + c);
            await Task.Delay(20);
        }
    }

    private static class Syscall
    {
        public const int SigInt = 2;

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "signal", SetLastError = true)]
        private static extern IntPtr Signal(int signal, IntPtr handler);

        /// <summary>
        /// A test run started in the background (`./build.sh test &amp;`, some CI runners) ignores SIGINT, children inherit
        /// that, and .NET then leaves Ctrl+C alone as a shell would: give the clients started next the default disposition.
        /// </summary>
        public static void DefaultSigIntForChildren() => Signal(SigInt, IntPtr.Zero);
    }
}
