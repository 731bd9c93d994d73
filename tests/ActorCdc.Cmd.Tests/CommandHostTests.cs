using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorCdc.Cmd.Client;
using ActorCdc.Cmd.Hosting;
using ActorCdc.Cmd.Palettes;
using Xunit;

namespace ActorCdc.Cmd.Tests;

public sealed class CommandHostTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly TestPaletteHandler _handler = new();
    private readonly List<IAsyncDisposable> _owned = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var d in Enumerable.Reverse(_owned)) await d.DisposeAsync();
    }

    private async Task<CommandHost> StartHostAsync(string host = "127.0.0.1", string? token = null)
    {
        var h = new CommandHost(new CommandHostSettings(host, 0, token), [_handler], "test-node");
        _owned.Add(h);
        await h.StartAsync(CancellationToken.None);
        return h;
    }

    private async Task<CommandClient> ConnectAsync(CommandHost host, string? token = null)
    {
        var c = await CommandClient.ConnectAsync("127.0.0.1", host.BoundEndPoint!.Port, token, CancellationToken.None);
        _owned.Add(c);
        return c;
    }

    private static async Task Within(Task task, string what)
    {
        try { await task.WaitAsync(Deadline); }
        catch (TimeoutException) { throw new TimeoutException($"waited {Deadline.TotalSeconds:0}s for {what}"); }
    }

    private static async Task<T> Within<T>(Task<T> task, string what)
    {
        await Within((Task)task, what);
        return await task;
    }

    [Fact]
    public async Task The_client_receives_the_nodes_palettes_on_connect()
    {
        var host = await StartHostAsync();
        var client = await ConnectAsync(host);
        Assert.Equal("test-node", client.Node);
        var palette = Assert.Single(client.Palettes);
        Assert.Equal(["echo", "stream", "wait", "fail", "throw"], palette.Commands.Select(c => c.Name));
        Assert.True(palette.Commands[1].Streaming);
        var request = client.Parse(["test", "echo", "hello"], json: true);
        var output = new StringBuilder();
        var result = await Within(client.ExecuteAsync(request, t => { output.Append(t); return ValueTask.CompletedTask; }, CancellationToken.None), "echo");
        Assert.True(result.Succeeded);
        Assert.Equal("hello (json)\n", output.ToString());
    }

    [Fact]
    public async Task Streaming_output_arrives_before_the_command_ends()
    {
        var host = await StartHostAsync();
        var client = await ConnectAsync(host);
        var lines = new List<string>();
        using var stop = new CancellationTokenSource();
        // The handler writes line n, then waits for release n: line n+1 can exist only if line n reached the client first.
        var run = client.ExecuteAsync(client.Parse(["test", "stream", "--name", "a"], false), t =>
        {
            lines.Add(t);
            if (lines.Count < 3) _handler.Signal(_handler.Release, $"a-{lines.Count}").TrySetResult();
            else stop.Cancel();
            return ValueTask.CompletedTask;
        }, stop.Token);
        var result = await Within(run, "three streamed lines and the end of the command");
        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(["a line 1\n", "a line 2\n", "a line 3\n"], lines);
    }

    [Fact]
    public async Task Cancelling_stops_a_streaming_command_and_the_handler_sees_it()
    {
        var host = await StartHostAsync();
        var client = await ConnectAsync(host);
        using var cancel = new CancellationTokenSource();
        var outputs = 0;
        var run = client.ExecuteAsync(client.Parse(["test", "stream", "--name", "c"], false), _ =>
        {
            if (Interlocked.Increment(ref outputs) == 1) cancel.Cancel();
            return ValueTask.CompletedTask;
        }, cancel.Token);
        var result = await Within(run, "the cancelled command's end");
        Assert.True(result.Succeeded, result.Message);
        Assert.True(_handler.Signal(_handler.Cancelled, "c").Task.IsCompleted, "the handler's token did not fire");
        // The connection stays usable after a cancel.
        Assert.True((await Within(client.ExecuteAsync(client.Parse(["test", "echo", "x"], false), _ => ValueTask.CompletedTask, CancellationToken.None), "echo")).Succeeded);
    }

    [Fact]
    public async Task An_output_callback_that_throws_cancels_the_command_and_leaves_the_connection_usable()
    {
        var host = await StartHostAsync();
        var client = await ConnectAsync(host);
        var run = client.ExecuteAsync(client.Parse(["test", "stream", "--name", "t"], false), _ => throw new IOException("stdout closed"), CancellationToken.None);
        Assert.Equal("stdout closed", (await Assert.ThrowsAsync<IOException>(() => Within(run, "the failing callback"))).Message);
        await Within(_handler.Signal(_handler.Cancelled, "t").Task, "the handler to be cancelled");
        Assert.True((await Within(client.ExecuteAsync(client.Parse(["test", "echo", "x"], false), _ => ValueTask.CompletedTask, CancellationToken.None), "echo")).Succeeded);
    }

    [Fact]
    public async Task A_client_disconnecting_cancels_its_commands()
    {
        var host = await StartHostAsync();
        var client = await CommandClient.ConnectAsync("127.0.0.1", host.BoundEndPoint!.Port, null, CancellationToken.None);
        var run = client.ExecuteAsync(client.Parse(["test", "stream", "--name", "d"], false), _ => ValueTask.CompletedTask, CancellationToken.None);
        await Within(_handler.Signal(_handler.Started, "d").Task, "the streaming command to start");
        await client.DisposeAsync();
        await Within(_handler.Signal(_handler.Cancelled, "d").Task, "the handler to see the disconnect as cancellation");
        await Assert.ThrowsAsync<CommandConnectionException>(() => run);
    }

    [Fact]
    public async Task Commands_on_one_connection_run_concurrently()
    {
        var host = await StartHostAsync();
        var client = await ConnectAsync(host);
        var outA = new StringBuilder();
        var outB = new StringBuilder();
        var a = client.ExecuteAsync(client.Parse(["test", "wait", "a"], false), t => { outA.Append(t); return ValueTask.CompletedTask; }, CancellationToken.None);
        var b = client.ExecuteAsync(client.Parse(["test", "wait", "b"], false), t => { outB.Append(t); return ValueTask.CompletedTask; }, CancellationToken.None);
        // Both handlers run before either is released: neither waits for the other.
        await Within(Task.WhenAll(_handler.Signal(_handler.Started, "a").Task, _handler.Signal(_handler.Started, "b").Task), "both commands to start");
        _handler.Signal(_handler.Release, "b").TrySetResult();
        Assert.True((await Within(b, "b")).Succeeded);
        Assert.False(a.IsCompleted);
        _handler.Signal(_handler.Release, "a").TrySetResult();
        Assert.True((await Within(a, "a")).Succeeded);
        Assert.Equal("a released\n", outA.ToString());
        Assert.Equal("b released\n", outB.ToString());
    }

    [Fact]
    public async Task A_failing_command_and_a_throwing_handler_end_as_failed_results()
    {
        var host = await StartHostAsync();
        var client = await ConnectAsync(host);
        var failed = await Within(client.ExecuteAsync(client.Parse(["test", "fail"], false), _ => ValueTask.CompletedTask, CancellationToken.None), "fail");
        Assert.Equal(CommandResult.Fail("the pipeline refused: fix it and retry"), failed);
        var thrown = await Within(client.ExecuteAsync(client.Parse(["test", "throw"], false), _ => ValueTask.CompletedTask, CancellationToken.None), "throw");
        Assert.Equal(CommandResult.Fail("boom: the handler broke"), thrown);
        var unknown = await Within(client.ExecuteAsync(new CommandRequest("nope", "x", new Dictionary<string, string>(), false), _ => ValueTask.CompletedTask, CancellationToken.None), "unknown palette");
        Assert.False(unknown.Succeeded);
        Assert.Contains("no palette 'nope'", unknown.Message);
    }

    [Fact]
    public async Task A_configured_token_is_required_and_checked()
    {
        var host = await StartHostAsync(token: "s3cret");
        var missing = await Assert.ThrowsAsync<CommandConnectionException>(() => CommandClient.ConnectAsync("127.0.0.1", host.BoundEndPoint!.Port, null, CancellationToken.None));
        Assert.Contains("requires a token", missing.Message);
        var wrong = await Assert.ThrowsAsync<CommandConnectionException>(() => CommandClient.ConnectAsync("127.0.0.1", host.BoundEndPoint!.Port, "s3cre", CancellationToken.None));
        Assert.Contains("refused", wrong.Message);
        Assert.DoesNotContain("s3cre", wrong.Message);
        var right = await ConnectAsync(host, "s3cret");
        Assert.Single(right.Palettes);
    }

    [Fact]
    public async Task A_host_beyond_loopback_without_a_token_is_refused_at_start()
    {
        var insecure = new CommandHost(new CommandHostSettings("0.0.0.0", 0, null), [_handler], "n");
        var e = await Assert.ThrowsAsync<CommandHostSettingsException>(() => insecure.StartAsync(CancellationToken.None));
        Assert.Equal("token", e.Setting);
        Assert.Null(insecure.BoundEndPoint);
        var withToken = await StartHostAsync("0.0.0.0", "s3cret");
        Assert.NotEqual(0, withToken.BoundEndPoint!.Port);
        Assert.Single((await ConnectAsync(withToken, "s3cret")).Palettes);
    }

    [Fact]
    public async Task An_unreachable_node_is_one_line_naming_the_address_and_the_setting()
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }
        var e = await Assert.ThrowsAsync<CommandConnectionException>(() => CommandClient.ConnectAsync("127.0.0.1", port, null, CancellationToken.None));
        Assert.Equal($"cannot reach node at 127.0.0.1:{port} (connection refused); is the node running and actorcdc.cmd.port = {port}?", e.Message);
    }

    [Fact]
    public async Task Garbage_closes_that_connection_only()
    {
        var host = await StartHostAsync();
        var client = await ConnectAsync(host);
        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(IPAddress.Loopback, host.BoundEndPoint!.Port);
            var stream = raw.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            var buffer = new byte[64];
            var read = await Within(stream.ReadAsync(buffer).AsTask(), "the host to close the garbage connection");
            Assert.Equal(0, read);
        }
        Assert.True((await Within(client.ExecuteAsync(client.Parse(["test", "echo", "still here"], false), _ => ValueTask.CompletedTask, CancellationToken.None), "echo")).Succeeded);
    }

    [Fact]
    public async Task Stopping_the_host_cancels_running_commands_and_closes_sessions()
    {
        var host = await StartHostAsync();
        var client = await ConnectAsync(host);
        var run = client.ExecuteAsync(client.Parse(["test", "stream", "--name", "s"], false), _ => ValueTask.CompletedTask, CancellationToken.None);
        await Within(_handler.Signal(_handler.Started, "s").Task, "the streaming command to start");
        await Within(host.StopAsync(CancellationToken.None), "the host to stop");
        Assert.True(_handler.Signal(_handler.Cancelled, "s").Task.IsCompleted);
        // The command ends one way or the other: its Done made it out before the socket closed, or the connection is lost.
        try { Assert.True((await Within(run, "the command's end")).Succeeded); }
        catch (CommandConnectionException) { }
        await Assert.ThrowsAsync<CommandConnectionException>(() => CommandClient.ConnectAsync("127.0.0.1", host.BoundEndPoint!.Port, null, CancellationToken.None));
    }
}
