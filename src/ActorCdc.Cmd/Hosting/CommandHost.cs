using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using ActorCdc.Cmd.Palettes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorCdc.Cmd.Hosting;

/// <summary>
/// The node side of the command protocol (pbm's Petabridge.Cmd.Host): listens on TCP, greets each client with the
/// palettes it serves, and runs one <see cref="CommandSession"/> per connection. Several commands may run at once on
/// one connection; a client's Cancel or disconnect cancels its commands; stopping the host closes every session.
/// </summary>
public sealed class CommandHost : IAsyncDisposable
{
    private readonly CommandHostSettings _settings;
    private readonly Dictionary<string, ICommandPaletteHandler> _handlers;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<CommandSession, Task> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private TcpListener? _listener;
    private Task? _accepting;
    private int _disposed; // 0 live, 1 disposing, 2 disposed

    public CommandHost(CommandHostSettings settings, IEnumerable<ICommandPaletteHandler> handlers, string node, ILogger? logger = null)
    {
        _settings = settings;
        _logger = logger ?? NullLogger.Instance;
        Node = node;
        _handlers = new Dictionary<string, ICommandPaletteHandler>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in handlers)
            if (!_handlers.TryAdd(h.Palette.Name, h))
                throw new ArgumentException($"two handlers serve the palette '{h.Palette.Name}'", nameof(handlers));
        Palettes = _handlers.Values.Select(h => h.Palette).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>How the node introduces itself to clients (e.g. <c>actorcdc@10.0.0.1:4053</c>).</summary>
    public string Node { get; }

    public IReadOnlyList<CommandPalette> Palettes { get; }

    /// <summary>The address and port listened on (the chosen port when the settings said 0); null before start.</summary>
    public IPEndPoint? BoundEndPoint { get; private set; }

    internal static string Version { get; } =
        typeof(CommandHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    /// <summary>Validates the settings (a host beyond loopback needs a token), binds and starts accepting clients.</summary>
    /// <exception cref="CommandHostSettingsException">the settings are not acceptable.</exception>
    /// <exception cref="SocketException">the address cannot be bound (e.g. the port is in use).</exception>
    public async Task StartAsync(CancellationToken cancellation)
    {
        if (_listener is not null) throw new InvalidOperationException("the command host is already started");
        _settings.Validate();
        var address = await ResolveAsync(_settings.Host, cancellation).ConfigureAwait(false);
        var listener = new TcpListener(address, _settings.Port);
        if (address.Equals(IPAddress.IPv6Any)) listener.Server.DualMode = true;
        listener.Start();
        _listener = listener;
        BoundEndPoint = (IPEndPoint)listener.LocalEndpoint;
        _accepting = AcceptAsync(listener, _stopping.Token);
    }

    private static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellation)
    {
        var bare = host.Trim('[', ']');
        if (IPAddress.TryParse(bare, out var address)) return address;
        if (string.Equals(bare, "localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        IPAddress[] addresses;
        try { addresses = await Dns.GetHostAddressesAsync(bare, cancellation).ConfigureAwait(false); }
        catch (SocketException e) { throw new CommandHostSettingsException("host", host, $"an address or a name that resolves ({e.Message})"); }
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new CommandHostSettingsException("host", host, "an address or a name that resolves");
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                // A connection reset before it was accepted; the listener itself is fine.
                _logger.LogDebug("command host: accept failed: {Message}", e.Message);
                continue;
            }
            var session = new CommandSession(client, _settings.Token, _handlers, Node, Palettes, _logger);
            // Registered before it runs, so a session that ends at once is never left behind in the map.
            var run = new Task<Task>(() => RunSessionAsync(session, stopping));
            _sessions[session] = run.Unwrap();
            run.Start(TaskScheduler.Default);
        }
    }

    private async Task RunSessionAsync(CommandSession session, CancellationToken stopping)
    {
        try
        {
            await session.RunAsync(stopping).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "command host: the session of {Client} failed", session.Remote);
        }
        finally
        {
            _sessions.TryRemove(session, out _);
            session.Dispose();
        }
    }

    /// <summary>Stops accepting, cancels every running command and closes every session.</summary>
    public async Task StopAsync(CancellationToken cancellation)
    {
        if (_listener is null || Volatile.Read(ref _disposed) > 1) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        if (_accepting is not null) await _accepting.ConfigureAwait(false);
        foreach (var session in _sessions.Keys) session.Close();
        await Task.WhenAll(_sessions.Values).WaitAsync(cancellation).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _listener?.Dispose();
        _stopping.Dispose();
        Volatile.Write(ref _disposed, 2); // StopAsync after this is a no-op
    }
}
