using System.Net.Sockets;
using System.Text;

namespace ActorCdc.Sink.StarRocks.Tests.Support;

/// <summary>HTTP/1.1 by hand over a socket, to see exactly what a listener sends (100 Continue, 307, Connection: close).</summary>
public sealed class RawHttp : IAsyncDisposable
{
    private readonly TcpClient _client = new();
    private NetworkStream _stream = null!;

    public static async Task<RawHttp> ConnectAsync(int port)
    {
        var raw = new RawHttp();
        await raw._client.ConnectAsync("127.0.0.1", port);
        raw._stream = raw._client.GetStream();
        return raw;
    }

    public static string Basic(string user, string password) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    public Task SendAsync(string text) => _stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask();

    public Task SendAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Reads one response head (status line and headers) without its body.</summary>
    public async Task<(int Status, Dictionary<string, string> Headers)> ReadHeadAsync()
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            if (await _stream.ReadAsync(one, timeout.Token) == 0) throw new IOException($"connection closed after: {head}");
            head.Append((char)one[0]);
        }
        var lines = head.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var status = int.Parse(lines[0].Split(' ')[1]);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return (status, headers);
    }

    public async Task<string> ReadBodyAsync(Dictionary<string, string> headers)
    {
        var length = headers.TryGetValue("Content-Length", out var l) ? int.Parse(l) : 0;
        var body = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await _stream.ReadAsync(body.AsMemory(read));
            if (n == 0) break;
            read += n;
        }
        return Encoding.UTF8.GetString(body, 0, read);
    }

    /// <summary>True when the server closes the connection within a few seconds.</summary>
    public async Task<bool> ClosedByServerAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            return await _stream.ReadAsync(new byte[1], timeout.Token) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
