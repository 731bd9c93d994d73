using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ActorCdc.Sink.StarRocks.Json;

namespace ActorCdc.Sink.StarRocks.Http;

/// <summary>
/// Sends requests to the FE and follows its 307 redirects to a BE by hand, re-sending method, headers, credentials and
/// body (.NET drops Authorization on automatic redirects). Rotates to the next FE after a connection failure.
/// </summary>
internal sealed class StarRocksHttpClient : IDisposable
{
    /// <summary>FE → leader FE → BE is two hops; more means a loop.</summary>
    public const int MaxRedirects = 5;

    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue _auth;
    private readonly IReadOnlyList<Uri> _frontends;
    private int _frontend;

    public StarRocksHttpClient(StarRocksSinkSettings settings)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            // .NET's default of 1 s would send the body before the FE has answered with its redirect.
            Expect100ContinueTimeout = settings.ContinueTimeout,
            ConnectTimeout = settings.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseCookies = false,
            // A proxy could strip Expect: 100-continue, which the FE requires.
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.Username}:{settings.Password}")));
        _frontends = settings.LoadUrls;
    }

    /// <summary>The FE the next request goes to.</summary>
    public Uri Frontend => _frontends[_frontend % _frontends.Count];

    /// <summary>
    /// Sends <paramref name="method"/> <paramref name="pathAndQuery"/> to the current FE and follows redirects; a 3xx still
    /// answered after <see cref="MaxRedirects"/> hops is returned as it is. Throws <see cref="HttpRequestException"/> or
    /// <see cref="TimeoutException"/> for transport failures.
    /// </summary>
    public async Task<HttpReply> SendAsync(HttpMethod method, string pathAndQuery, IReadOnlyList<KeyValuePair<string, string>> headers,
        SegmentedBuffer? body, bool expectContinue, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var uri = new Uri(Frontend, pathAndQuery);
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(method, uri);
            request.Version = HttpVersion.Version11;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
            request.Headers.Authorization = _auth;
            if (expectContinue) request.Headers.ExpectContinue = true;
            foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
            request.Content = body is null ? new ByteArrayContent([]) : new BufferContent(body);

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{method} {uri} got no answer within {timeout.TotalSeconds:0}s");
            }
            catch (HttpRequestException)
            {
                // The next attempt tries another FE; a BE is only ever reached through an FE's redirect.
                if (hop == 0) Interlocked.Increment(ref _frontend);
                throw;
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                if (status is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location && hop < MaxRedirects)
                {
                    uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                    continue;
                }
                byte[] bytes;
                try
                {
                    bytes = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"{method} {uri} did not finish its answer within {timeout.TotalSeconds:0}s");
                }
                return new HttpReply(status, bytes, uri);
            }
        }
    }

    /// <summary>GETs a URL (the BE's ErrorURL) with the credentials; returns at most <paramref name="maxBytes"/> of it.</summary>
    public async Task<string> GetTextAsync(Uri url, int maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = _auth;
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
        var buffer = new byte[maxBytes];
        var read = 0;
        while (read < maxBytes)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), deadline.Token).ConfigureAwait(false);
            if (n == 0) break;
            read += n;
        }
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    public void Dispose() => _http.Dispose();
}
