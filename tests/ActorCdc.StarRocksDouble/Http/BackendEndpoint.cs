using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using ActorCdc.StarRocksDouble.Loads;

namespace ActorCdc.StarRocksDouble.Http;

/// <summary>
/// The BE HTTP listener (reference/starrocks.md §1.4–1.8, §2, §7): sends <c>100 Continue</c> and reads the body, always
/// answers 200 with JSON, keeps the label state machine (non-ABORTED duplicate → Label Already Exists RUNNING/FINISHED,
/// ABORTED reusable), loads JSON rows into the in-memory tables, and runs Transaction Stream Load operations.
/// </summary>
internal sealed partial class BackendEndpoint(DoubleState state)
{
    private const string TooManyFiltered = "too many filtered rows";


    public async Task HandleAsync(HttpExchange ex)
    {
        int status = 200;
        string? jsonStatus = null;
        var bytes = 0;
        try
        {
            (jsonStatus, bytes) = await RouteAsync(ex).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (IOException or OperationCanceledException or ObjectDisposedException))
        {
            state.RecordError($"BE {ex.Method} {ex.Path}: {e}");
            status = 500;
            await ex.RespondJsonAsync(500, Json.Object(("Status", "INTERNAL_ERROR"), ("Message", e.Message)), close: true).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The client went away before the answer (a timed-out load): recorded with status 0 and the status it would have had.
            status = 0;

            throw;
        }
        finally
        {
            state.Record(new RecordedRequest("BE", ex.Method, ex.Path, ex.Header("label"), status, jsonStatus ?? ex.AnswerStatus, ex.Headers, ex.ContinueSent, bytes));
        }
    }

    private async Task<(string?, int)> RouteAsync(HttpExchange ex)
    {
        Match m;
        if ((m = StreamLoadPath().Match(ex.Path)).Success && ex.Method == "PUT")
            return await StreamLoadAsync(ex, m.Groups["db"].Value, m.Groups["table"].Value).ConfigureAwait(false);
        if ((m = TransactionPath().Match(ex.Path)).Success && ex.Method is "POST" or "PUT")
            return await TransactionAsync(ex, m.Groups["op"].Value).ConfigureAwait(false);
        if (ex.Path == "/api/_load_error_log" && ex.Method == "GET")
        {
            var text = state.ErrorLogs.GetValueOrDefault(ex.Query.GetValueOrDefault("file") ?? "") ?? "";
            await ex.RespondAsync(200, Encoding.UTF8.GetBytes(text), "text/plain; charset=utf-8", close: false).ConfigureAwait(false);
            return (null, 0);
        }
        await ex.RespondJsonAsync(404, Json.Object(("status", "FAILED"), ("msg", $"no handler for {ex.Method} {ex.Path}")), close: true).ConfigureAwait(false);
        return (null, 0);
    }

    private async Task<(string?, int)> StreamLoadAsync(HttpExchange ex, string db, string table)
    {
        var clock = Stopwatch.StartNew();
        using var received = await ex.ReadBodyAsync().ConfigureAwait(false);
        var body = received.Memory;
        var label = ex.Header("label");
        if (string.IsNullOrEmpty(label)) label = Guid.NewGuid().ToString();

        Reply Answer(string status, string message, LoadTransaction? txn = null, string? existing = null, string? errorUrl = null)
        {
            var loaded = txn is null ? 0 : txn.TotalRows - txn.FilteredRows;
            var ms = (int)clock.ElapsedMilliseconds;
            return new Reply(status, Json.Object(
                ("TxnId", txn?.TxnId ?? -1L), ("Label", label), ("Status", status), ("ExistingJobStatus", existing), ("Message", message),
                ("NumberTotalRows", txn?.TotalRows ?? 0L), ("NumberLoadedRows", loaded), ("NumberFilteredRows", txn?.FilteredRows ?? 0L),
                ("NumberUnselectedRows", 0L), ("LoadBytes", (long)body.Length), ("LoadTimeMs", ms), ("BeginTxnTimeMs", 0), ("StreamLoadPlanTimeMs", 0),
                ("ReadDataTimeMs", 0), ("WriteDataTimeMs", ms), ("CommitAndPublishTimeMs", 0), ("ErrorURL", errorUrl)));
        }

        async Task<(string?, int)> Send(Reply reply)
        {
            ex.AnswerStatus = reply.Status;
            await ex.RespondJsonAsync(200, reply.Json).ConfigureAwait(false);
            return (reply.Status, body.Length);
        }

        var credentials = BasicAuth.Parse(ex.Header("Authorization"));
        if (credentials is null) return await Send(Answer("Fail", "no valid Basic authorization")).ConfigureAwait(false);
        if (credentials.Value.User != state.Options.User || credentials.Value.Password != state.Options.Password)
            return await Send(Answer("Fail", $"Access denied for user '{credentials.Value.User}'")).ConfigureAwait(false);
        if (!LabelPattern().IsMatch(label))
            return await Send(Answer("Fail", $"Label format error. regex: ^[-\\w]{{1,128}}$, label: {label}")).ConfigureAwait(false);

        LoadTransaction txn = null!;
        var timeout = int.TryParse(ex.Header("timeout"), out var t) ? t : 600;
        var early = Locked(() =>
        {
            if (!state.Catalog.DatabaseExists(db)) return Answer("Fail", $"Unknown database '{db}'");
            var target = state.Catalog.Table(db, table);
            if (target is null) return Answer("Fail", $"Unknown table '{table}' in database '{db}'");
            if (state.Faults.Take(DoubleFaultKind.RunningTransactionLimit) is not null)
                return Answer("Fail", $"current running txns on db {state.Catalog.DatabaseId(db)} is 100, larger than limit 100");
            var existing = state.Find(db, label);
            if (existing is not null && existing.State != TxnState.Aborted)
                return Answer("Label Already Exists", $"Label [{label}] has already been used.", existing, existing.ExistingJobStatus);
            txn = new LoadTransaction(state.NextTxnId(), label, db, table, isExplicit: false, DateTime.UtcNow.AddSeconds(timeout));
            state.Register(txn);
            if (state.Faults.Take(DoubleFaultKind.FailBeforeApply) is { } fail)
            {
                txn.State = TxnState.Aborted;
                return Answer("Fail", fail.Message!, txn);
            }
            if (state.Faults.Take(DoubleFaultKind.LabelAlreadyExistsRunning) is { } running)
            {
                // An earlier request with this label is "still running": it holds these rows and resolves after some polls.
                var parsed = JsonLoadParser.Parse(target, ex.Headers, body, state.Options.JsonSizeLimit);
                txn.Rows.AddRange(parsed.Rows);
                txn.PollsUntilResolved = Math.Max(1, running.Polls);
                txn.ResolveToAborted = running.ThenAborted;
                return Answer("Label Already Exists", $"Label [{label}] has already been used.", txn, "RUNNING");
            }
            if (state.Faults.Take(DoubleFaultKind.LabelAlreadyExistsFinished) is not null)
            {
                var parsed = JsonLoadParser.Parse(target, ex.Headers, body, state.Options.JsonSizeLimit);
                txn.Rows.AddRange(parsed.Rows);
                state.Publish(txn);
                return Answer("Label Already Exists", $"Label [{label}] has already been used.", txn, "FINISHED");
            }
            return null;
        });
        if (early is not null) return await Send(early).ConfigureAwait(false);

        // The label is RUNNING (PREPARE) while the BE works: a retry with it meanwhile gets Label Already Exists.
        if (state.Faults.Take(DoubleFaultKind.SlowResponse) is { } slow) await Task.Delay(slow.Delay).ConfigureAwait(false);

        string? failure = null;
        string? errorUrl = null;
        var publishTimeout = false;
        string? failAfter = null;
        lock (state.Catalog.Gate)
        {
            var target = state.Catalog.Table(db, table);
            if (!ReferenceEquals(state.Find(db, label), txn) || txn.State == TxnState.Aborted)
            {
                // The load outlived its timeout header (or was cancelled): its transaction is aborted and applies nothing.
                txn.State = TxnState.Aborted;
                failure = $"[E1008]Reached timeout={timeout * 1000}ms";
            }
            else if (target is null)
            {
                failure = $"Unknown table '{table}' in database '{db}'";
            }
            else
            {
                var parsed = JsonLoadParser.Parse(target, ex.Headers, body, state.Options.JsonSizeLimit);
                txn.TotalRows = parsed.Total;
                txn.FilteredRows = parsed.Filtered;
                txn.LoadBytes = body.Length;
                if (parsed.Failure is not null) failure = parsed.Failure;
                else if (parsed.Total == 0) failure = "all partitions have no load data";
                else if (TooMany(parsed.Filtered, parsed.Total, ex.Header("max_filter_ratio")))
                {
                    failure = TooManyFiltered;
                    errorUrl = state.AddErrorLog(parsed.Errors);
                }
                else if (parsed.Filtered == parsed.Total) failure = "all partitions have no load data";
                if (failure is not null)
                {
                    txn.State = TxnState.Aborted;
                }
                else
                {
                    txn.Rows.AddRange(parsed.Rows);
                    if (parsed.Filtered > 0) errorUrl = state.AddErrorLog(parsed.Errors);
                    state.Publish(txn);
                    publishTimeout = state.Faults.Take(DoubleFaultKind.PublishTimeout) is not null;
                    failAfter = state.Faults.Take(DoubleFaultKind.FailAfterApply)?.Message;
                }
            }
        }
        if (failure is not null) return await Send(Answer("Fail", failure, txn, errorUrl: errorUrl)).ConfigureAwait(false);
        if (failAfter is not null) return await Send(Answer("Fail", failAfter, txn)).ConfigureAwait(false);
        if (publishTimeout) return await Send(Answer("Publish Timeout", "transaction commit successfully, BUT data will be visible later", txn)).ConfigureAwait(false);
        return await Send(Answer("Success", "OK", txn, errorUrl: errorUrl)).ConfigureAwait(false);
    }

    private async Task<(string?, int)> TransactionAsync(HttpExchange ex, string op)
    {
        var label = ex.Header("label") ?? "";
        var db = ex.Header("db") ?? "";
        var table = ex.Header("table") ?? "";

        Reply Answer(string status, string message, params (string, object?)[] more)
        {
            var properties = new List<(string, object?)> { ("Status", status), ("Message", message), ("Label", label) };
            properties.AddRange(more);
            return new Reply(status, Json.Object(properties.ToArray()));
        }

        async Task<(string?, int)> Send(Reply reply)
        {
            await ex.RespondJsonAsync(200, reply.Json).ConfigureAwait(false);
            return (reply.Status, 0);
        }

        var credentials = BasicAuth.Parse(ex.Header("Authorization"));
        if (credentials is null || credentials.Value.User != state.Options.User || credentials.Value.Password != state.Options.Password)
            return await Send(Answer("ANALYSIS_ERROR", credentials is null ? "no valid Basic authorization" : $"Access denied for user '{credentials.Value.User}'"))
                .ConfigureAwait(false);

        switch (op)
        {
            case "begin":
                {
                    var timeout = int.TryParse(ex.Header("timeout"), out var t) ? t : 600;
                    return await Send(Locked(() =>
                    {
                        if (!state.Catalog.DatabaseExists(db)) return Answer("ANALYSIS_ERROR", $"Unknown database '{db}'");
                        if (state.Catalog.Table(db, table) is null) return Answer("ANALYSIS_ERROR", $"Unknown table '{table}' in database '{db}'");
                        if (state.Faults.Take(DoubleFaultKind.RunningTransactionLimit) is not null || state.RunningExplicit(db) >= state.Options.MaxRunningTransactions)
                        {
                            var n = Math.Max(state.RunningExplicit(db), state.Options.MaxRunningTransactions);
                            return Answer("INTERNAL_ERROR",
                                $"current running txns on db {state.Catalog.DatabaseId(db)} is {n}, larger than limit {state.Options.MaxRunningTransactions}");
                        }
                        var existing = state.Find(db, label);
                        if (existing is not null && existing.State != TxnState.Aborted)
                            return Answer("LABEL_ALREADY_EXISTS", $"Label [{label}] has already been used.", ("ExistingJobStatus", existing.ExistingJobStatus));
                        var txn = new LoadTransaction(state.NextTxnId(), label, db, table, isExplicit: true, DateTime.UtcNow.AddSeconds(timeout));
                        state.Register(txn);
                        return Answer("OK", "", ("TxnId", txn.TxnId), ("BeginTxnTimeMs", 0));
                    })).ConfigureAwait(false);
                }
            case "load":
                {
                    LoadTransaction? txn = null;
                    var refused = Locked(() =>
                    {
                        txn = state.Find(db, label);
                        if (txn is null || txn.State == TxnState.Aborted) return Answer("TXN_NOT_EXISTS", $"Transaction with label {label} does not exist");
                        if (state.Faults.Take(DoubleFaultKind.TransactionInProcessing) is not null || txn.Busy)
                            return Answer("TXN_IN_PROCESSING", "Transaction in processing, please retry later");
                        if (txn.State != TxnState.Prepare) return Answer("INTERNAL_ERROR", $"Transaction {txn.TxnId} is {txn.StateName}, can not load data");
                        txn.Busy = true;
                        return null;
                    });
                    if (refused is not null) return await Send(refused).ConfigureAwait(false);
                    try
                    {
                        using var received = await ex.ReadBodyAsync().ConfigureAwait(false);
                        return await Send(Locked(() => Load(txn!, received.Memory))).ConfigureAwait(false);
                    }
                    finally
                    {
                        lock (state.Catalog.Gate) txn!.Busy = false;
                    }
                }
            case "prepare":
                return await Send(Locked(() =>
                {
                    var txn = state.Find(db, label);
                    if (txn is null || txn.State == TxnState.Aborted) return Answer("TXN_NOT_EXISTS", $"Transaction with label {label} does not exist");
                    if (txn.State == TxnState.Prepare)
                    {
                        var failure = Check(txn, out var errorUrl);
                        if (failure is not null)
                        {
                            txn.State = TxnState.Aborted;
                            return Answer("INTERNAL_ERROR", failure, ("ErrorURL", errorUrl));
                        }
                        txn.State = TxnState.Prepared;
                    }
                    return Answer("OK", "", Counts(txn));
                })).ConfigureAwait(false);
            case "commit":
                return await Send(Locked(() =>
                {
                    var txn = state.Find(db, label);
                    if (txn is null || txn.State == TxnState.Aborted) return Answer("TXN_NOT_EXISTS", $"Transaction with label {label} does not exist");
                    if (txn.State == TxnState.Prepare)
                    {
                        var failure = Check(txn, out var errorUrl);
                        if (failure is not null)
                        {
                            txn.State = TxnState.Aborted;
                            return Answer("INTERNAL_ERROR", failure, ("ErrorURL", errorUrl));
                        }
                    }
                    if (txn.State is TxnState.Prepare or TxnState.Prepared) state.Publish(txn);
                    return Answer("OK", "", Counts(txn));
                })).ConfigureAwait(false);
            default:
                return await Send(Locked(() =>
                {
                    var txn = state.Find(db, label);
                    if (txn is null || txn.State is TxnState.Aborted or TxnState.Committed or TxnState.Visible)
                        return Answer("TXN_NOT_EXISTS", $"Transaction with label {label} does not exist or is already finished");
                    txn.State = TxnState.Aborted;
                    return Answer("OK", "");
                })).ConfigureAwait(false);
        }

        Reply Load(LoadTransaction txn, ReadOnlyMemory<byte> body)
        {
            var signature = string.Join("|", new[] { "format", "columns", "partial_update", "strip_outer_array", "max_filter_ratio" }.Select(h => ex.Header(h) ?? ""));
            txn.Signature ??= signature;
            string? failure = null;
            var target = state.Catalog.Table(db, txn.Table);
            if (!string.Equals(table, txn.Table, StringComparison.Ordinal)) failure = $"table {table} differs from the transaction's table {txn.Table}";
            else if (txn.Signature != signature) failure = "all loads of a transaction must use the same parameters";
            else if (target is null) failure = $"Unknown table '{table}' in database '{db}'";
            JsonLoadParser.Result? parsed = null;
            if (failure is null)
            {
                parsed = JsonLoadParser.Parse(target!, ex.Headers, body, state.Options.JsonSizeLimit);
                failure = parsed.Failure;
            }
            if (failure is not null)
            {
                // Any error in begin/load/prepare rolls the transaction back.
                txn.State = TxnState.Aborted;
                return Answer("INTERNAL_ERROR", failure);
            }
            txn.Rows.AddRange(parsed!.Rows);
            txn.TotalRows += parsed.Total;
            txn.FilteredRows += parsed.Filtered;
            txn.LoadBytes += body.Length;
            txn.ErrorLines.AddRange(parsed.Errors);
            return Answer("OK", "", ("TxnId", txn.TxnId), ("LoadBytes", (long)body.Length), ("StreamLoadPlanTimeMs", 0), ("ReceivedDataTimeMs", 0));
        }

        string? Check(LoadTransaction txn, out string? errorUrl)
        {
            errorUrl = null;
            if (txn.TotalRows == 0) return $"transaction {txn.TxnId} hasn't send any data yet";
            var ratio = txn.Signature?.Split('|')[4];
            if (TooMany(txn.FilteredRows, txn.TotalRows, string.IsNullOrEmpty(ratio) ? null : ratio))
            {
                errorUrl = state.AddErrorLog(txn.ErrorLines);
                return TooManyFiltered;
            }
            return null;
        }

        (string, object?)[] Counts(LoadTransaction txn) =>
        [
            ("TxnId", txn.TxnId), ("NumberTotalRows", txn.TotalRows), ("NumberLoadedRows", txn.TotalRows - txn.FilteredRows),
            ("NumberFilteredRows", txn.FilteredRows), ("NumberUnselectedRows", 0L), ("LoadBytes", txn.LoadBytes), ("LoadTimeMs", 0),
            ("StreamLoadPlanTimeMs", 0), ("ReceivedDataTimeMs", 0), ("WriteDataTimeMs", 0), ("CommitAndPublishTimeMs", 0),
        ];
    }

    /// <summary>(filtered) / (total - unselected) &gt; max_filter_ratio (default 0).</summary>
    private static bool TooMany(long filtered, long total, string? ratioText)
    {
        var ratio = double.TryParse(ratioText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var r) ? r : 0;
        return total > 0 && (double)filtered / total > ratio;
    }

    /// <summary>Runs <paramref name="body"/> under the gate; answers are sent after it is released.</summary>
    private T Locked<T>(Func<T> body)
    {
        lock (state.Catalog.Gate) return body();
    }

    private sealed record Reply(string Status, string Json);

    [GeneratedRegex("^/api/(?<db>[^/]+)/(?<table>[^/]+)/_stream_load$")]
    private static partial Regex StreamLoadPath();

    [GeneratedRegex("^/api/transaction/(?<op>begin|load|prepare|commit|rollback)$")]
    private static partial Regex TransactionPath();

    [GeneratedRegex(@"^[-\w]{1,128}$")]
    private static partial Regex LabelPattern();
}
