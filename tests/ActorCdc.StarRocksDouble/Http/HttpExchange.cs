using System.Globalization;
using System.Text;

namespace ActorCdc.StarRocksDouble.Http;

/// <summary>
/// One request on a connection: its head, the body read on demand (sending <c>100 Continue</c> first when the client
/// expects it, as libevent does on the BE), and the response. A response sent without reading the body closes the
/// connection, as the FE does.
/// </summary>
internal sealed class HttpExchange
{
    private readonly HttpConnection _connection;
    private readonly CancellationToken _cancellationToken;

    internal HttpExchange(HttpConnection connection, string method, string target, string version, Dictionary<string, string> headers,
        CancellationToken cancellationToken)
    {
        _connection = connection;
        _cancellationToken = cancellationToken;
        Method = method;
        Version = version;
        Headers = headers;
        var q = target.IndexOf('?');
        Path = Uri.UnescapeDataString(q < 0 ? target : target[..q]);
        QueryString = q < 0 ? "" : target[q..];
        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (q >= 0)
            foreach (var pair in target[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                if (eq < 0) query[Uri.UnescapeDataString(pair)] = "";
                else query[Uri.UnescapeDataString(pair[..eq])] = Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            }
        Query = query;
    }

    public string Method { get; }
    public string Path { get; }

    /// <summary>The query with its leading '?', or empty.</summary>
    public string QueryString { get; }
    public IReadOnlyDictionary<string, string> Query { get; }
    public string Version { get; }
    public IReadOnlyDictionary<string, string> Headers { get; }

    public bool BodyRead { get; private set; }

    /// <summary>The JSON Status of the answer being sent, for the request log even when sending fails.</summary>
    public string? AnswerStatus { get; set; }
    public bool ContinueSent { get; private set; }
    public bool CloseAfterResponse { get; private set; }

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public bool ExpectsContinue => string.Equals(Header("Expect"), "100-continue", StringComparison.OrdinalIgnoreCase);

    public bool HasBody => Header("Content-Length") is { } l && l != "0" || Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Reads the body (Content-Length or chunked) into a pooled buffer, sending <c>100 Continue</c> first when expected.</summary>
    public async Task<RequestBody> ReadBodyAsync()
    {
        if (BodyRead) throw new InvalidOperationException("the body was read already");
        BodyRead = true;
        if (ExpectsContinue)
        {
            await _connection.Stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), _cancellationToken).ConfigureAwait(false);
            ContinueSent = true;
        }
        if (Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
            return RequestBody.Copy(await _connection.ReadChunkedAsync(_cancellationToken).ConfigureAwait(false));
        var length = int.TryParse(Header("Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var body = RequestBody.Rent(length);
        await _connection.ReadExactAsync(body.Writable, _cancellationToken).ConfigureAwait(false);
        return body;
    }

    public Task RespondJsonAsync(int status, string json, bool close = false, params (string Name, string Value)[] headers) =>
        RespondAsync(status, Encoding.UTF8.GetBytes(json), "application/json; charset=utf-8", close, headers);

    public async Task RespondAsync(int status, byte[] body, string contentType, bool close, params (string Name, string Value)[] headers)
    {
        // A body we did not read cannot be skipped reliably: close, as the FE does for stream loads.
        if (!BodyRead && HasBody) close = true;
        CloseAfterResponse = close;
        var head = new StringBuilder();
        head.Append("HTTP/1.1 ").Append(status).Append(' ').Append(Reason(status)).Append("\r\n");
        foreach (var (name, value) in headers) head.Append(name).Append(": ").Append(value).Append("\r\n");
        if (body.Length > 0 || status != 307) head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        if (close) head.Append("Connection: close\r\n");
        head.Append("\r\n");
        var bytes = Encoding.Latin1.GetBytes(head.ToString());
        await _connection.Stream.WriteAsync(bytes, _cancellationToken).ConfigureAwait(false);
        if (body.Length > 0) await _connection.Stream.WriteAsync(body, _cancellationToken).ConfigureAwait(false);
        await _connection.Stream.FlushAsync(_cancellationToken).ConfigureAwait(false);
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
}
