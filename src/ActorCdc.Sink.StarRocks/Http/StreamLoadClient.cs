using ActorCdc.Core.Failures;
using ActorCdc.Sink.StarRocks.Failures;

namespace ActorCdc.Sink.StarRocks.Http;

/// <summary>
/// Stream Load with the status handling of reference/starrocks.md §6: <c>Success</c> and <c>Publish Timeout</c> are done;
/// <c>Label Already Exists</c> is done when FINISHED and otherwise resolved through <c>get_load_state</c>; known permanent
/// failures throw a data or fatal <see cref="CdcException"/>; anything else is retried with the same label and exponential
/// backoff with jitter, up to <c>sink.retry.max-attempts</c>, then thrown as transient.
/// </summary>
internal sealed class StreamLoadClient(StarRocksHttpClient http, StarRocksSinkSettings settings, string pipeline)
{
    private readonly Backoff _backoff = new(settings.RetryMinBackoff, settings.RetryMaxBackoff);

    public StarRocksHttpClient Http => http;

    public async Task<LoadOutcome> LoadAsync(LoadRequest request, CancellationToken cancellationToken)
    {
        var headers = Headers(request);
        var path = $"/api/{Uri.EscapeDataString(request.Database)}/{Uri.EscapeDataString(request.Table)}/_stream_load";
        for (var attempt = 1; ; attempt++)
        {
            string reason;
            try
            {
                var reply = await http.SendAsync(HttpMethod.Put, path, headers, request.Body, expectContinue: true, settings.LoadTimeout, cancellationToken)
                    .ConfigureAwait(false);
                var response = StreamLoadResponse.Parse(reply.Body);
                var outcome = await InterpretAsync(request, reply, response, cancellationToken).ConfigureAwait(false);
                if (outcome.Done is { } done) return done;
                reason = outcome.Reason!;
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException or IOException)
            {
                reason = e.Message;
            }
            if (attempt >= settings.RetryMaxAttempts)
                throw CdcException.Transient(
                    $"Pipeline '{pipeline}': Stream Load {request.Label} into {request.Database}.{request.Table} failed {attempt} times, last with: {reason}. " +
                    "The write is retried later with the same label; check that the FE (sink.load-url) and every BE http port are reachable and the cluster is healthy.");
            await Task.Delay(_backoff.Delay(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The state of a label from <c>GET /api/{db}/get_load_state</c>; UNKNOWN when the FE does not know it.</summary>
    public async Task<string> GetLoadStateAsync(string database, string label, CancellationToken cancellationToken)
    {
        var path = $"/api/{Uri.EscapeDataString(database)}/get_load_state?label={Uri.EscapeDataString(label)}";
        var reply = await http.SendAsync(HttpMethod.Get, path, [], null, expectContinue: false, settings.LoadTimeout, cancellationToken).ConfigureAwait(false);
        if (reply.Status == 401) throw Unauthorized(reply);
        var response = StreamLoadResponse.Parse(reply.Body);
        if (reply.Status != 200 || !response.IsJson)
            throw new HttpRequestException($"get_load_state of {label} answered HTTP {reply.Status}: {response.Raw}");
        return string.IsNullOrEmpty(response.State) ? "UNKNOWN" : response.State.ToUpperInvariant();
    }

    /// <summary>
    /// Polls the state of a label another request holds until it is final or <c>sink.load-timeout</c> passes; returns
    /// VISIBLE, COMMITTED, ABORTED, UNKNOWN, or the last non-final state.
    /// </summary>
    public async Task<string> AwaitLabelAsync(string database, string label, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + settings.LoadTimeout;
        for (var poll = 1; ; poll++)
        {
            var state = await GetLoadStateAsync(database, label, cancellationToken).ConfigureAwait(false);
            if (state is "VISIBLE" or "COMMITTED" or "ABORTED" or "UNKNOWN" || DateTime.UtcNow >= deadline) return state;
            await Task.Delay(_backoff.Delay(Math.Min(poll, 5)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The first lines of the BE's error log for a failed load, or an empty string.</summary>
    public async Task<string> ErrorLogAsync(StreamLoadResponse response, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(response.ErrorUrl) || !Uri.TryCreate(response.ErrorUrl, UriKind.Absolute, out var url)) return "";
        try
        {
            var text = await http.GetTextAsync(url, 4096, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            var lines = text.Split('\n', 4, StringSplitOptions.RemoveEmptyEntries);
            return string.Join(" | ", lines.Take(3)) + $" (full log: {response.ErrorUrl})";
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            return $"(error log at {response.ErrorUrl})";
        }
    }

    internal CdcException Unauthorized(HttpReply reply) => CdcException.Fatal(
        $"Pipeline '{pipeline}': StarRocks at {reply.From.GetLeftPart(UriPartial.Authority)} refused user '{settings.Username}' (HTTP 401); " +
        "fix sink.username and sink.password.");

    private readonly record struct Interpretation(LoadOutcome? Done, string? Reason);

    private async Task<Interpretation> InterpretAsync(LoadRequest request, HttpReply reply, StreamLoadResponse response, CancellationToken cancellationToken)
    {
        switch (reply.Status)
        {
            case 401:
                throw Unauthorized(reply);
            case 403:
                throw CdcException.Fatal($"Pipeline '{pipeline}': StarRocks refused Stream Load into {request.Database}.{request.Table} (HTTP 403: {response}); " +
                                         $"grant INSERT on the table to '{settings.Username}'.");
            case 404:
                throw CdcException.Fatal($"Pipeline '{pipeline}': {reply.From} has no Stream Load endpoint (HTTP 404); point sink.load-url at the FE http port (8030).");
            case >= 300 and < 400:
                return new Interpretation(null, $"still redirected after {StarRocksHttpClient.MaxRedirects} hops (last {reply.From}); the FE may be slow");
            case not 200:
                return new Interpretation(null, $"HTTP {reply.Status} from {reply.From}: {response.Raw}");
        }
        if (!response.IsJson) return new Interpretation(null, $"an answer that is not JSON from {reply.From}: {response.Raw}");
        if (response.StatusIs("Success") || response.StatusIs("OK")) return new Interpretation(LoadOutcome.Loaded, null);
        if (response.StatusIs("Publish Timeout")) return new Interpretation(LoadOutcome.PublishTimeout, null);
        if (response.StatusIs("Label Already Exists") || response.StatusIs("LABEL_ALREADY_EXISTS"))
        {
            if (string.Equals(response.ExistingJobStatus, "FINISHED", StringComparison.OrdinalIgnoreCase))
                return new Interpretation(LoadOutcome.AlreadyLoaded, null);
            var state = await AwaitLabelAsync(request.Database, request.Label, cancellationToken).ConfigureAwait(false);
            return state switch
            {
                "VISIBLE" or "COMMITTED" => new Interpretation(LoadOutcome.AlreadyLoaded, null),
                // An aborted label may be used again: send the same rows with the same label.
                "ABORTED" => new Interpretation(null, $"the earlier load with label {request.Label} was aborted; sending it again"),
                _ => new Interpretation(null, $"the earlier load with label {request.Label} is still {state} after {settings.LoadTimeout.TotalSeconds:0}s"),
            };
        }
        var (verdict, advice) = LoadErrorClassifier.Classify(response.Message);
        switch (verdict)
        {
            case LoadVerdict.Data:
                var log = await ErrorLogAsync(response, cancellationToken).ConfigureAwait(false);
                throw CdcException.DataError(
                    $"Pipeline '{pipeline}': StarRocks refused Stream Load {request.Label} into {request.Database}.{request.Table} " +
                    $"({request.Rows} rows): {response.Message}{(log.Length > 0 ? " — " + log : "")}; {advice}.");
            case LoadVerdict.Fatal:
                throw CdcException.Fatal(
                    $"Pipeline '{pipeline}': StarRocks refused Stream Load {request.Label} into {request.Database}.{request.Table}: {response.Message}; {advice}.");
            case LoadVerdict.RetryLater:
                throw CdcException.Transient(
                    $"Pipeline '{pipeline}': StarRocks refused Stream Load {request.Label} into {request.Database}.{request.Table}: {response.Message}; {advice}.");
            default:
                return new Interpretation(null, $"{response.Status}: {response.Message} ({advice})");
        }
    }

    private List<KeyValuePair<string, string>> Headers(LoadRequest request)
    {
        var headers = new List<KeyValuePair<string, string>>
        {
            new("label", request.Label),
            new("format", "json"),
            new("strip_outer_array", "true"),
            new("ignore_json_size", "true"),
            new("timeout", ((int)Math.Ceiling(settings.LoadTimeout.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (request.Columns is not null)
        {
            headers.Add(new("partial_update", "true"));
            headers.Add(new("columns", request.Columns));
        }
        if (!settings.Properties.ContainsKey("max_filter_ratio")) headers.Add(new("max_filter_ratio", "0"));
        foreach (var (name, value) in settings.Properties) headers.Add(new(name, value));
        return headers;
    }
}
