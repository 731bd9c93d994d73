using System.Net;
using System.Net.Sockets;

namespace ActorCdc.StarRocksDouble.Http;

/// <summary>
/// A small HTTP/1.1 server on a loopback port (TcpListener): it gives its handler control over <c>100 Continue</c>,
/// over answering without reading the body (then closing), and reads chunked bodies. Keep-alive otherwise.
/// </summary>
internal sealed class HttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<HttpExchange, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly List<TcpClient> _clients = [];

    public HttpServer(Func<HttpExchange, Task> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    public int Port { get; }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            lock (_clients) _clients.Add(client);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            client.NoDelay = true;
            var connection = new HttpConnection(client.GetStream());
            while (!_stop.IsCancellationRequested)
            {
                var requestLine = await connection.ReadLineAsync(_stop.Token).ConfigureAwait(false);
                if (requestLine is null) return;
                if (requestLine.Length == 0) continue;
                var parts = requestLine.Split(' ');
                if (parts.Length != 3) return;
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                while (await connection.ReadLineAsync(_stop.Token).ConfigureAwait(false) is { Length: > 0 } line)
                {
                    var colon = line.IndexOf(':');
                    if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                }
                var exchange = new HttpExchange(connection, parts[0], parts[1], parts[2], headers, _stop.Token);
                await _handler(exchange).ConfigureAwait(false);
                if (exchange.CloseAfterResponse || string.Equals(exchange.Header("Connection"), "close", StringComparison.OrdinalIgnoreCase)
                    || parts[2] == "HTTP/1.0")
                    return;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away (a timed-out load, a test ending): nothing to answer.
        }
        finally
        {
            lock (_clients) _clients.Remove(client);
            client.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        lock (_clients)
            foreach (var c in _clients) c.Dispose();
        try { await _acceptLoop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
