using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Reflection;
using System.Threading.Channels;
using ActorCdc.Cmd.Palettes;
using ActorCdc.Cmd.Protocol;

namespace ActorCdc.Cmd.Client;

/// <summary>
/// A connection to a node's command host (pbm's programmatic client). On connect the host sends its palettes, so the
/// client parses commands against what that node serves. Several commands may run at once; each streams its output
/// to its own callback until the host's Done.
/// </summary>
public sealed class CommandClient : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly TcpClient _tcp;
    private readonly FrameReader<HostFrame> _reader;
    private readonly FrameWriter<ClientFrame> _writer;
    private readonly ConcurrentDictionary<long, Channel<HostFrame>> _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly string _address;
    private Task? _receiving;
    private long _nextId;
    private volatile string? _lost;

    private CommandClient(TcpClient tcp, string address, string node, IReadOnlyList<CommandPalette> palettes, FrameReader<HostFrame> reader, FrameWriter<ClientFrame> writer)
    {
        _tcp = tcp;
        _address = address;
        Node = node;
        Palettes = palettes;
        Parser = new CommandParser(palettes);
        _reader = reader;
        _writer = writer;
    }

    /// <summary>How the node introduced itself.</summary>
    public string Node { get; }

    /// <summary>The palettes the node serves, with every command's definition.</summary>
    public IReadOnlyList<CommandPalette> Palettes { get; }

    public CommandParser Parser { get; }

    internal static string Version { get; } =
        typeof(CommandClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    /// <summary>Connects, presents <paramref name="token"/> and receives the node's palettes.</summary>
    /// <exception cref="CommandConnectionException">unreachable, not a command host, or the token refused.</exception>
    public static async Task<CommandClient> ConnectAsync(string host, int port, string? token, CancellationToken cancellation)
    {
        var address = host.Contains(':') && !host.StartsWith('[') ? $"[{host}]:{port}" : $"{host}:{port}";
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(ConnectTimeout);
            try
            {
                await tcp.ConnectAsync(host.Trim('[', ']'), port, timeout.Token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new CommandConnectionException($"cannot reach node at {address} ({Describe(e)}); is the node running and actorcdc.cmd.port = {port}?", e);
            }
            catch (OperationCanceledException e) when (!cancellation.IsCancellationRequested)
            {
                throw new CommandConnectionException($"cannot reach node at {address} (no answer within {ConnectTimeout.TotalSeconds:0}s); is the node running and actorcdc.cmd.port = {port}?", e);
            }
            var stream = tcp.GetStream();
            var reader = new FrameReader<HostFrame>(stream, Frames.Host);
            var writer = new FrameWriter<ClientFrame>(stream, Frames.Client);
            HostFrame? answer;
            try
            {
                await writer.WriteAsync(new Hello(token, Version), timeout.Token).ConfigureAwait(false);
                answer = await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ProtocolException or IOException or SocketException)
            {
                writer.Dispose();
                throw new CommandConnectionException($"node at {address} did not answer as an actorcdc command host ({e.Message}); is actorcdc.cmd.port = {port}?", e);
            }
            catch (OperationCanceledException e) when (!cancellation.IsCancellationRequested)
            {
                writer.Dispose();
                throw new CommandConnectionException($"node at {address} did not answer within {ConnectTimeout.TotalSeconds:0}s; is actorcdc.cmd.port = {port} (the command host, not remoting)?", e);
            }
            switch (answer)
            {
                case Welcome w:
                    var client = new CommandClient(tcp, address, w.Node, w.Palettes, reader, writer);
                    client._receiving = client.ReceiveAsync();
                    return client;
                case Refused r:
                    writer.Dispose();
                    throw new CommandConnectionException($"node at {address} refused the connection: {r.Reason}");
                case null:
                    writer.Dispose();
                    throw new CommandConnectionException($"node at {address} closed the connection during the handshake; is actorcdc.cmd.port = {port}?");
                default:
                    writer.Dispose();
                    throw new CommandConnectionException($"node at {address} answered the handshake with {answer.GetType().Name}: not an actorcdc command host of this version");
            }
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "host not found",
        SocketError.TimedOut => "timed out",
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => "unreachable",
        _ => e.Message,
    };

    /// <summary>Parses the words typed against this node's palettes (see <see cref="CommandParser"/>).</summary>
    /// <exception cref="CommandUsageException">the words are not a command of this node.</exception>
    public CommandRequest Parse(IReadOnlyList<string> words, bool json) => Parser.Parse(words, json);

    /// <summary>
    /// Runs <paramref name="request"/> on the node; <paramref name="onOutput"/> gets each chunk of output as it
    /// arrives. Cancelling <paramref name="cancellation"/> asks the node to cancel the command and still waits for its
    /// end (a streaming command then ends successfully).
    /// </summary>
    /// <exception cref="CommandConnectionException">the connection was lost before the command ended.</exception>
    public async Task<CommandResult> ExecuteAsync(CommandRequest request, Func<string, ValueTask> onOutput, CancellationToken cancellation)
    {
        ThrowIfLost();
        var id = Interlocked.Increment(ref _nextId);
        // Bounded: a slow consumer slows the reader and, through TCP, the node's handler.
        var frames = Channel.CreateBounded<HostFrame>(new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true });
        _pending[id] = frames;
        var done = false;
        // The receive loop may have ended between the check above and the line before: then it missed this command.
        if (_lost is { } lost) frames.Writer.TryComplete(new CommandConnectionException(lost));
        try
        {
            try
            {
                await _writer.WriteAsync(new Execute(id, request.Palette, request.Command, request.Arguments, request.Json), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                throw Lost(e);
            }
            // Cancel frames are sent from the callback; the host answers with Done, which ends the loop below.
            await using var registration = cancellation.Register(() => _ = SendCancelAsync(id)).ConfigureAwait(false);
            while (true)
            {
                HostFrame frame;
                try
                {
                    if (!await frames.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
                        throw Lost(null);
                    if (!frames.Reader.TryRead(out var next)) continue;
                    frame = next;
                }
                catch (ChannelClosedException e)
                {
                    throw e.InnerException as CommandConnectionException ?? Lost(e);
                }
                switch (frame)
                {
                    case Output o:
                        await onOutput(o.Text).ConfigureAwait(false);
                        break;
                    case Done d:
                        done = true;
                        return new CommandResult(d.Succeeded, d.Message);
                }
            }
        }
        finally
        {
            _pending.TryRemove(id, out _);
            if (!done)
            {
                // The caller gave up (its output callback threw): free the receive loop if it waits on this channel,
                // and stop the command on the node.
                frames.Writer.TryComplete();
                if (_lost is null) _ = SendCancelAsync(id);
            }
        }
    }

    private async Task SendCancelAsync(long id)
    {
        try { await _writer.WriteAsync(new Cancel(id), CancellationToken.None).ConfigureAwait(false); }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The connection is gone: the command's wait ends with the connection's failure.
        }
    }

    private async Task ReceiveAsync()
    {
        string reason;
        try
        {
            while (await _reader.ReadAsync(_closing.Token).ConfigureAwait(false) is { } frame)
            {
                var id = frame switch { Output o => o.Id, Done d => d.Id, _ => throw new ProtocolException($"unexpected {frame.GetType().Name} frame after the handshake") };
                if (!_pending.TryGetValue(id, out var frames)) continue; // a command whose caller gave up
                try
                {
                    await frames.Writer.WriteAsync(frame, _closing.Token).ConfigureAwait(false);
                    if (frame is Done) frames.Writer.TryComplete();
                }
                catch (ChannelClosedException)
                {
                    // Its caller gave up while this frame waited for room.
                }
            }
            reason = "the node closed the connection";
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            reason = "the client was closed";
        }
        catch (Exception e) when (e is ProtocolException or IOException or SocketException or ObjectDisposedException)
        {
            reason = e.Message;
        }
        _lost = $"lost the connection to node at {_address}: {reason}";
        foreach (var frames in _pending.Values)
            frames.Writer.TryComplete(new CommandConnectionException(_lost));
    }

    private void ThrowIfLost()
    {
        if (_lost is { } lost) throw new CommandConnectionException(lost);
    }

    private CommandConnectionException Lost(Exception? inner) =>
        new(_lost ?? $"lost the connection to node at {_address}", inner);

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        _tcp.Dispose();
        if (_receiving is not null) await _receiving.ConfigureAwait(false);
        _writer.Dispose();
        _closing.Dispose();
    }
}
