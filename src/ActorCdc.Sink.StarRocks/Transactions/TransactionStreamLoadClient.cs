using System.Globalization;
using ActorCdc.Core.Failures;
using ActorCdc.Sink.StarRocks.Failures;
using ActorCdc.Sink.StarRocks.Http;
using ActorCdc.Sink.StarRocks.Json;

namespace ActorCdc.Sink.StarRocks.Transactions;

/// <summary>
/// Transaction Stream Load (reference/starrocks.md §2): begin, load (sequential, identical parameters), prepare, commit,
/// rollback, each POSTed (load PUT) to the FE and redirected to the BE bound to the label. Commit and rollback are
/// idempotent: any answer but OK is checked against <c>get_load_state</c>.
/// </summary>
internal sealed class TransactionStreamLoadClient(StarRocksHttpClient http, StreamLoadClient loads, StarRocksSinkSettings settings, string pipeline)
{
    private readonly Backoff _backoff = new(settings.RetryMinBackoff, settings.RetryMaxBackoff);

    /// <summary>Begins a transaction; false when the label is taken (not aborted).</summary>
    public async Task<bool> BeginAsync(string database, string table, string label, CancellationToken cancellationToken)
    {
        var headers = Basic(database, table, label);
        headers.Add(new("timeout", Seconds(settings.LoadTimeout)));
        var response = await SendAsync("begin", HttpMethod.Post, headers, null, label, cancellationToken).ConfigureAwait(false);
        if (response.StatusIs("OK")) return true;
        if (response.StatusIs("LABEL_ALREADY_EXISTS") || response.StatusIs("Label Already Exists")) return false;
        throw Refused("begin", database, table, label, response);
    }

    /// <summary>Adds rows to an open transaction.</summary>
    public async Task LoadAsync(string database, string table, string label, SegmentedBuffer body, string? columns, CancellationToken cancellationToken)
    {
        var headers = Basic(database, table, label);
        headers.Add(new("format", "json"));
        headers.Add(new("strip_outer_array", "true"));
        headers.Add(new("ignore_json_size", "true"));
        headers.Add(new("timeout", Seconds(settings.LoadTimeout)));
        if (columns is not null)
        {
            headers.Add(new("partial_update", "true"));
            headers.Add(new("columns", columns));
        }
        if (!settings.Properties.ContainsKey("max_filter_ratio")) headers.Add(new("max_filter_ratio", "0"));
        foreach (var (name, value) in settings.Properties) headers.Add(new(name, value));
        var response = await SendAsync("load", HttpMethod.Put, headers, body, label, cancellationToken).ConfigureAwait(false);
        if (response.StatusIs("OK") || response.StatusIs("Success") || response.StatusIs("Publish Timeout")) return;
        throw Refused("load", database, table, label, response);
    }

    /// <summary>Prepares (pre-commits) a transaction: durable, not yet visible.</summary>
    public async Task PrepareAsync(string database, string table, string label, CancellationToken cancellationToken)
    {
        var response = await SendAsync("prepare", HttpMethod.Post, Basic(database, table, label), null, label, cancellationToken).ConfigureAwait(false);
        if (response.StatusIs("OK")) return;
        // A retried prepare (the first answer was lost) finds the transaction prepared already.
        if (await loads.GetLoadStateAsync(database, label, cancellationToken).ConfigureAwait(false) == "PREPARED") return;
        throw Refused("prepare", database, table, label, response);
    }

    /// <summary>Commits a prepared transaction; OK, "already committed", COMMITTED or VISIBLE all count as done.</summary>
    public async Task CommitAsync(string database, string table, string label, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await SendAsync("commit", HttpMethod.Post, Basic(database, table, label), null, label, cancellationToken).ConfigureAwait(false);
            if (response.StatusIs("OK")) return;
            // After an FE restart a commit can fail although the transaction committed: the state decides (FC PR #195).
            var state = await loads.GetLoadStateAsync(database, label, cancellationToken).ConfigureAwait(false);
            switch (state)
            {
                case "COMMITTED" or "VISIBLE":
                    return;
                case "ABORTED" or "UNKNOWN" or "PREPARE":
                    throw CdcException.Fatal(
                        $"Pipeline '{pipeline}': StarRocks cannot commit transaction {label} of {database}.{table} (it is {state}: {response}); the rows of " +
                        "that checkpoint are not in StarRocks. A transaction times out when checkpoints are further apart than sink.load-timeout " +
                        "(PREPARE) or than the FE's prepared_transaction_default_timeout_second (PREPARED); restart the pipeline from an earlier " +
                        "checkpoint or snapshot the table again.");
            }
            if (attempt >= settings.RetryMaxAttempts)
                throw CdcException.Transient(
                    $"Pipeline '{pipeline}': committing transaction {label} of {database}.{table} failed {attempt} times ({response}; state {state}); it is retried.");
            await Task.Delay(_backoff.Delay(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Rolls back a transaction; an aborted, unknown or already committed one needs nothing.</summary>
    public async Task RollbackAsync(string database, string table, string label, CancellationToken cancellationToken)
    {
        var response = await SendAsync("rollback", HttpMethod.Post, Basic(database, table, label), null, label, cancellationToken).ConfigureAwait(false);
        if (response.StatusIs("OK") || response.StatusIs("Success")) return;
        var state = await loads.GetLoadStateAsync(database, label, cancellationToken).ConfigureAwait(false);
        if (state is "ABORTED" or "UNKNOWN" or "COMMITTED" or "VISIBLE") return;
        throw CdcException.Transient(
            $"Pipeline '{pipeline}': rolling back transaction {label} of {database}.{table} failed ({response}; state {state}); it is retried. " +
            "A lingering transaction counts against the FE's max_running_txn_num_per_db until it times out.");
    }

    /// <summary>
    /// Sends one operation, retrying transport failures, 5xx, redirect loops and TXN_IN_PROCESSING (a concurrent
    /// request on the label) with backoff; returns the first other answer.
    /// </summary>
    private async Task<StreamLoadResponse> SendAsync(string op, HttpMethod method, List<KeyValuePair<string, string>> headers, SegmentedBuffer? body,
        string label, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            string reason;
            try
            {
                // reference/starrocks.md §2.1 lists Expect: 100-continue for every operation, as the Flink connector sends it.
                var reply = await http.SendAsync(method, "/api/transaction/" + op, headers, body, expectContinue: true, settings.LoadTimeout,
                    cancellationToken).ConfigureAwait(false);
                if (reply.Status == 401) throw loads.Unauthorized(reply);
                var response = StreamLoadResponse.Parse(reply.Body);
                if (reply.Status == 200 && response.IsJson && !response.StatusIs("TXN_IN_PROCESSING")) return response;
                reason = reply.Status == 200 ? response.ToString() : $"HTTP {reply.Status} from {reply.From}: {response.Raw}";
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException or IOException)
            {
                reason = e.Message;
            }
            if (attempt >= settings.RetryMaxAttempts)
                throw CdcException.Transient(
                    $"Pipeline '{pipeline}': transaction {op} of {label} failed {attempt} times, last with: {reason}; it is retried later. " +
                    "Check that the FE (sink.load-url) and every BE http port are reachable.");
            await Task.Delay(_backoff.Delay(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    private CdcException Refused(string op, string database, string table, string label, StreamLoadResponse response)
    {
        if (response.StatusIs("TXN_NOT_EXISTS"))
            return CdcException.Fatal(
                $"Pipeline '{pipeline}': StarRocks no longer knows transaction {label} of {database}.{table} during {op} ({response.Message}); its rows since " +
                "the last checkpoint are gone (a timeout or an earlier error rolled it back). Restart the pipeline so that it resumes from the last " +
                "checkpoint; if it recurs, checkpoint more often than sink.load-timeout.");
        var (verdict, advice) = LoadErrorClassifier.Classify(response.Message);
        var text = $"Pipeline '{pipeline}': StarRocks refused transaction {op} of {label} into {database}.{table}: {response}; {advice}.";
        return verdict switch
        {
            LoadVerdict.Data => CdcException.DataError(text),
            LoadVerdict.Fatal => CdcException.Fatal(text),
            _ => CdcException.Transient(text),
        };
    }

    private static List<KeyValuePair<string, string>> Basic(string database, string table, string label) =>
    [
        new("label", label),
        new("db", database),
        new("table", table),
    ];

    private static string Seconds(TimeSpan t) => ((long)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
