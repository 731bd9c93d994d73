using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ActorCdc.Sink.StarRocks.Tests.Support;

/// <summary>A plain client for the double's HTTP endpoints that follows 307 by hand and returns the JSON answer.</summary>
public sealed class DoubleHttp(SrDouble sr) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, Expect100ContinueTimeout = TimeSpan.FromSeconds(10) });

    public async Task<(HttpStatusCode Status, JsonElement Json)> SendAsync(HttpMethod method, string path, string? body = null,
        IDictionary<string, string>? headers = null, bool expect = true, string? password = null)
    {
        var uri = new Uri(sr.FeHttpUrl + path);
        for (var hop = 0; hop < 5; hop++)
        {
            using var request = new HttpRequestMessage(method, uri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{sr.User}:{password ?? sr.Password}")));
            if (expect) request.Headers.ExpectContinue = true;
            if (headers is not null)
                foreach (var (k, v) in headers) request.Headers.TryAddWithoutValidation(k, v);
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body ?? ""));
            using var response = await _http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.TemporaryRedirect)
            {
                uri = response.Headers.Location!;
                continue;
            }
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
        }
        throw new InvalidOperationException("redirect loop");
    }

    public Task<(HttpStatusCode Status, JsonElement Json)> StreamLoadAsync(string table, string body, string? label = null, IDictionary<string, string>? headers = null)
    {
        var all = new Dictionary<string, string> { ["format"] = "json", ["strip_outer_array"] = "true" };
        if (label is not null) all["label"] = label;
        if (headers is not null)
            foreach (var (k, v) in headers) all[k] = v;
        return SendAsync(HttpMethod.Put, $"/api/analytics/{table}/_stream_load", body, all);
    }

    public Task<(HttpStatusCode Status, JsonElement Json)> TransactionAsync(string op, string label, string table, string? body = null,
        IDictionary<string, string>? headers = null)
    {
        var all = new Dictionary<string, string> { ["label"] = label, ["db"] = "analytics", ["table"] = table };
        if (op == "load")
        {
            all["format"] = "json";
            all["strip_outer_array"] = "true";
        }
        if (headers is not null)
            foreach (var (k, v) in headers) all[k] = v;
        return SendAsync(op == "load" ? HttpMethod.Put : HttpMethod.Post, "/api/transaction/" + op, body, all, expect: op == "load");
    }

    public async Task<string> LoadStateAsync(string label)
    {
        var (_, json) = await SendAsync(HttpMethod.Get, $"/api/analytics/get_load_state?label={label}", expect: false);
        return json.GetProperty("state").GetString()!;
    }

    public void Dispose() => _http.Dispose();
}
