using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ActorCdc.Cmd.Palettes;
using ActorCdc.Cmd.Protocol;
using Microsoft.Extensions.Logging;

namespace ActorCdc.Cmd.Hosting;

/// <summary>
/// One client connection of the <see cref="CommandHost"/>: checks the client's token, sends the palettes, then reads
/// Execute and Cancel frames and runs each command on a task of its own, streaming its output as it is written.
/// When the client goes away (or the host stops) every command still running is cancelled.
/// </summary>
internal sealed class CommandSession : IDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(5);
    private const int MaxCommandsPerConnection = 64;

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly string? _token;
    private readonly IReadOnlyDictionary<string, ICommandPaletteHandler> _handlers;
    private readonly string _node;
    private readonly IReadOnlyList<CommandPalette> _palettes;
    private readonly ILogger _logger;
    private readonly FrameReader<ClientFrame> _reader;
    private readonly FrameWriter<HostFrame> _writer;
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _running = new();
    private readonly ConcurrentDictionary<long, Task> _commands = new();
    private readonly CancellationTokenSource _closed = new();
    private int _disposed;

    public CommandSession(TcpClient client, string? token, IReadOnlyDictionary<string, ICommandPaletteHandler> handlers,
        string node, IReadOnlyList<CommandPalette> palettes, ILogger logger)
    {
        _client = client;
        _client.NoDelay = true; // output lines go out as they are written
        _stream = client.GetStream();
        _token = token;
        _handlers = handlers;
        _node = node;
        _palettes = palettes;
        _logger = logger;
        Remote = client.Client.RemoteEndPoint?.ToString() ?? "?";
        _reader = new FrameReader<ClientFrame>(_stream, Frames.Client);
        _writer = new FrameWriter<HostFrame>(_stream, Frames.Host);
    }

    public string Remote { get; }

    public async Task RunAsync(CancellationToken hostStopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(hostStopping, _closed.Token);
        var token = linked.Token;
        try
        {
            if (!await HandshakeAsync(token).ConfigureAwait(false)) return;
            while (await _reader.ReadAsync(token).ConfigureAwait(false) is { } frame)
            {
                switch (frame)
                {
                    case Execute e:
                        await StartAsync(e, token).ConfigureAwait(false);
                        break;
                    case Cancel c:
                        if (_running.TryGetValue(c.Id, out var cts))
                        {
                            _logger.LogDebug("command host: {Client} cancels command {Id}", Remote, c.Id);
                            try { await cts.CancelAsync().ConfigureAwait(false); }
                            catch (ObjectDisposedException) { } // it ended meanwhile
                        }
                        break;
                    default:
                        throw new ProtocolException($"unexpected {frame.GetType().Name} frame after the handshake");
                }
            }
            _logger.LogDebug("command host: {Client} disconnected", Remote);
        }
        catch (ProtocolException e)
        {
            _logger.LogWarning("command host: closing the connection of {Client}: {Message}", Remote, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            _logger.LogDebug("command host: connection of {Client} ended: {Message}", Remote, e.Message);
        }
        finally
        {
            await CancelRunningAsync().ConfigureAwait(false);
        }
    }

    private async Task<bool> HandshakeAsync(CancellationToken cancellation)
    {
        ClientFrame? first;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
        {
            timeout.CancelAfter(HandshakeTimeout);
            try { first = await _reader.ReadAsync(timeout.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw new ProtocolException($"no Hello within {HandshakeTimeout.TotalSeconds:0}s");
            }
        }
        if (first is null) return false;
        if (first is not Hello hello) throw new ProtocolException($"expected Hello first, got {first.GetType().Name}");
        if (!TokenMatches(hello.Token))
        {
            var reason = string.IsNullOrEmpty(hello.Token)
                ? "this node requires a token (actorcdc --token, or the ACTORCDC_TOKEN environment variable)"
                : "the token is not this node's actorcdc.cmd.token";
            _logger.LogWarning("command host: refused {Client}: {Reason}", Remote, reason);
            await _writer.WriteAsync(new Refused(reason), cancellation).ConfigureAwait(false);
            return false;
        }
        _logger.LogDebug("command host: {Client} connected (client {Version})", Remote, hello.ClientVersion);
        await _writer.WriteAsync(new Welcome(_node, CommandHost.Version, _palettes), cancellation).ConfigureAwait(false);
        return true;
    }

    /// <summary>No token configured: anyone who reaches the port (loopback only, see <see cref="CommandHostSettings.Validate"/>).
    /// Otherwise compared in constant time over fixed-length hashes, so neither content nor length leaks.</summary>
    private bool TokenMatches(string? presented)
    {
        if (string.IsNullOrEmpty(_token)) return true;
        Span<byte> expected = stackalloc byte[32];
        Span<byte> actual = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(_token), expected);
        SHA256.HashData(Encoding.UTF8.GetBytes(presented ?? ""), actual);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    private async Task StartAsync(Execute e, CancellationToken session)
    {
        if (_running.Count >= MaxCommandsPerConnection)
        {
            await _writer.WriteAsync(new Done(e.Id, false, $"too many commands running on this connection (limit {MaxCommandsPerConnection})"), session).ConfigureAwait(false);
            return;
        }
        var cts = CancellationTokenSource.CreateLinkedTokenSource(session);
        if (!_running.TryAdd(e.Id, cts))
        {
            cts.Dispose();
            throw new ProtocolException($"command id {e.Id} is already running");
        }
        // Registered before it runs, so a command that ends at once is not left behind in the map.
        var run = new Task<Task>(() => RunCommandAsync(e, cts));
        _commands[e.Id] = run.Unwrap();
        run.Start(TaskScheduler.Default);
    }

    private async Task RunCommandAsync(Execute e, CancellationTokenSource cts)
    {
        CommandResult result;
        try
        {
            if (!_handlers.TryGetValue(e.Palette, out var handler))
                result = CommandResult.Fail($"this node serves no palette '{e.Palette}'");
            else
            {
                _logger.LogInformation("command host: {Client} runs '{Palette} {Command}'", Remote, e.Palette, e.Command);
                var request = new CommandRequest(handler.Palette.Name, e.Command, e.Arguments, e.Json);
                result = await handler.ExecuteAsync(request, new SessionOutput(_writer, e.Id), cts.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            result = CommandResult.Ok; // cancelled by the client: a streaming command ends this way
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "command host: '{Palette} {Command}' of {Client} failed", e.Palette, e.Command, Remote);
            result = CommandResult.Fail(ex.Message);
        }
        try
        {
            await _writer.WriteAsync(new Done(e.Id, result.Succeeded, result.Message), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // The client is gone; nobody waits for this Done.
        }
        finally
        {
            _running.TryRemove(e.Id, out _);
            _commands.TryRemove(e.Id, out _);
            cts.Dispose();
        }
    }

    private async Task CancelRunningAsync()
    {
        foreach (var cts in _running.Values)
        {
            try { await cts.CancelAsync().ConfigureAwait(false); }
            catch (ObjectDisposedException) { }
        }
        var commands = _commands.Values.ToArray();
        if (commands.Length == 0) return;
        // The socket may still be open (host stopping): the commands' Done frames go out before it closes.
        try { await Task.WhenAll(commands).WaitAsync(CancelGrace).ConfigureAwait(false); }
        catch (TimeoutException)
        {
            _logger.LogWarning("command host: {Count} command(s) of {Client} did not stop within {Grace}s of cancellation", commands.Count(t => !t.IsCompleted), Remote, CancelGrace.TotalSeconds);
        }
    }

    /// <summary>Closes the connection from the host's side (host stopping); <see cref="RunAsync"/> then ends.</summary>
    public void Close()
    {
        if (Volatile.Read(ref _disposed) != 0) return;
        try { _closed.Cancel(); }
        catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _client.Dispose();
        _writer.Dispose();
        _closed.Dispose();
    }

    /// <summary>A command's output: each write is one Output frame, sent before the write returns.</summary>
    private sealed class SessionOutput(FrameWriter<HostFrame> writer, long id) : ICommandOutput
    {
        public ValueTask WriteAsync(string text, CancellationToken cancellation) => writer.WriteAsync(new Output(id, text), cancellation);
    }
}
