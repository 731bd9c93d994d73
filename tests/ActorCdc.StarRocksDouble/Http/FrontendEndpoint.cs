using System.Text.RegularExpressions;
using ActorCdc.StarRocksDouble.Loads;

namespace ActorCdc.StarRocksDouble.Http;

/// <summary>
/// The FE HTTP listener (reference/starrocks.md §1.2, §2.1, §7): authenticates, requires <c>Expect: 100-continue</c> on
/// HTTP/1.1 stream loads, redirects loads and transaction operations to the BE with 307 (empty body, connection closed,
/// body never read), commits or rolls back PREPARED transactions itself, and answers <c>get_load_state</c>.
/// </summary>
internal sealed partial class FrontendEndpoint(DoubleState state)
{
    public async Task HandleAsync(HttpExchange ex)
    {
        int status;
        string? jsonStatus = null;
        try
        {
            (status, jsonStatus) = await RouteAsync(ex).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (IOException or OperationCanceledException or ObjectDisposedException))
        {
            state.RecordError($"FE {ex.Method} {ex.Path}: {e}");
            status = 500;
            await ex.RespondJsonAsync(500, Json.Object(("status", "FAILED"), ("msg", e.Message)), close: true).ConfigureAwait(false);
        }
        state.Record(new RecordedRequest("FE", ex.Method, ex.Path, ex.Header("label") ?? ex.Query.GetValueOrDefault("label"), status, jsonStatus,
            ex.Headers, ex.ContinueSent, 0));
    }

    private async Task<(int, string?)> RouteAsync(HttpExchange ex)
    {
        Match m;
        if ((m = StreamLoadPath().Match(ex.Path)).Success && ex.Method == "PUT") return await StreamLoadAsync(ex).ConfigureAwait(false);
        if ((m = TransactionPath().Match(ex.Path)).Success && ex.Method is "POST" or "PUT")
            return await TransactionAsync(ex, m.Groups["op"].Value).ConfigureAwait(false);
        if ((m = LoadStatePath().Match(ex.Path)).Success && ex.Method == "GET")
            return await LoadStateAsync(ex, m.Groups["db"].Value).ConfigureAwait(false);
        await ex.RespondJsonAsync(404, Json.Object(("status", "FAILED"), ("msg", $"no handler for {ex.Method} {ex.Path}")), close: true).ConfigureAwait(false);
        return (404, null);
    }

    private async Task<(int, string?)> StreamLoadAsync(HttpExchange ex)
    {
        if (await RefuseAuthAsync(ex).ConfigureAwait(false)) return (401, null);
        // HTTP/1.0 requests skip the check since the fix for #52998/#55727.
        if (ex.Version == "HTTP/1.1" && !ex.ExpectsContinue || state.Faults.Take(DoubleFaultKind.NoContinueHeader) is not null)
        {
            await ex.RespondJsonAsync(200, Json.Object(("Status", "FAILED"),
                ("Message", "class com.starrocks.common.DdlException: There is no 100-continue header")), close: true).ConfigureAwait(false);
            return (200, "FAILED");
        }
        if (state.Faults.Take(DoubleFaultKind.ServerError) is { } error)
        {
            await ex.RespondAsync(error.Status, [], "text/plain", close: true).ConfigureAwait(false);
            return (error.Status, null);
        }
        var target = state.Faults.Take(DoubleFaultKind.RedirectLoop) is not null ? state.FePort : state.BePort;
        await RedirectAsync(ex, target).ConfigureAwait(false);
        return (307, null);
    }

    private async Task<(int, string?)> TransactionAsync(HttpExchange ex, string op)
    {
        if (await RefuseAuthAsync(ex).ConfigureAwait(false)) return (401, null);
        var label = ex.Header("label");
        var db = ex.Header("db");
        if (string.IsNullOrEmpty(label))
        {
            await ex.RespondJsonAsync(200, Json.Object(("Status", "FAILED"), ("Message", "Empty label.")), close: true).ConfigureAwait(false);
            return (200, "FAILED");
        }
        if (string.IsNullOrEmpty(db))
        {
            await ex.RespondJsonAsync(200, Json.Object(("Status", "FAILED"), ("Message", "No database selected.")), close: true).ConfigureAwait(false);
            return (200, "FAILED");
        }
        if (op is "commit" or "rollback")
        {
            string? answer = null;
            string? answerStatus = null;
            lock (state.Catalog.Gate)
            {
                var txn = state.Find(db, label);
                if (txn is not null && txn.IsExplicit && txn.State != TxnState.Prepare)
                {
                    (answerStatus, var message) = (op, txn.State) switch
                    {
                        ("commit", TxnState.Prepared) => Commit(txn),
                        ("commit", TxnState.Committed or TxnState.Visible) => ("OK", $"Transaction {txn.TxnId} has already committed, label is {label}"),
                        ("commit", _) => ("FAILED", $"Can not commit ABORTED transaction {txn.TxnId}, label is {label}"),
                        ("rollback", TxnState.Prepared) => Abort(txn),
                        ("rollback", TxnState.Aborted) => ("FAILED", $"Transaction {txn.TxnId} is already ABORTED, label is {label}"),
                        _ => ("FAILED", $"Transaction {txn.TxnId} has already committed, can not rollback, label is {label}"),
                    };
                    answer = Json.Object(("Status", answerStatus), ("Message", message), ("TxnId", txn.TxnId), ("Label", label));
                }
            }
            if (answer is not null)
            {
                await ex.RespondJsonAsync(200, answer, close: true).ConfigureAwait(false);
                return (200, answerStatus);
            }
        }
        await RedirectAsync(ex, state.BePort).ConfigureAwait(false);
        return (307, null);

        (string, string) Commit(LoadTransaction txn)
        {
            state.Publish(txn);
            return ("OK", "");
        }

        (string, string) Abort(LoadTransaction txn)
        {
            txn.State = TxnState.Aborted;
            return ("OK", "");
        }
    }

    private async Task<(int, string?)> LoadStateAsync(HttpExchange ex, string db)
    {
        if (await RefuseAuthAsync(ex).ConfigureAwait(false)) return (401, null);
        var label = ex.Query.GetValueOrDefault("label") ?? "";
        string name;
        lock (state.Catalog.Gate)
        {
            var txn = state.Find(db, label);
            if (txn is { PollsUntilResolved: > 0 } && --txn.PollsUntilResolved == 0)
            {
                if (txn.ResolveToAborted) txn.State = TxnState.Aborted;
                else state.Publish(txn);
            }
            name = txn?.StateName ?? "UNKNOWN";
        }
        await ex.RespondJsonAsync(200, Json.Object(("status", "OK"), ("code", "0"), ("msg", "Success"), ("message", "OK"), ("state", name))).ConfigureAwait(false);
        return (200, name);
    }

    private async Task<bool> RefuseAuthAsync(HttpExchange ex)
    {
        var credentials = BasicAuth.Parse(ex.Header("Authorization"));
        var injected = state.Faults.Take(DoubleFaultKind.Unauthorized) is not null;
        if (!injected && credentials is { } c && c.User == state.Options.User && c.Password == state.Options.Password) return false;
        await ex.RespondJsonAsync(401, Json.Object(("status", "FAILED"), ("code", "401"), ("msg", "Unauthorized"),
                ("message", $"Access denied for user '{credentials?.User}'")), close: true, ("WWW-Authenticate", "Basic realm=\"\""))
            .ConfigureAwait(false);
        return true;
    }

    private static Task RedirectAsync(HttpExchange ex, int port) =>
        ex.RespondAsync(307, [], "text/plain", close: true,
            ("Location", $"http://127.0.0.1:{port}{string.Join('/', ex.Path.Split('/').Select(Uri.EscapeDataString))}{ex.QueryString}"));

    [GeneratedRegex("^/api/(?<db>[^/]+)/(?<table>[^/]+)/_stream_load$")]
    private static partial Regex StreamLoadPath();

    [GeneratedRegex("^/api/transaction/(?<op>begin|load|prepare|commit|rollback)$")]
    private static partial Regex TransactionPath();

    [GeneratedRegex("^/api/(?<db>[^/]+)/get_load_state$")]
    private static partial Regex LoadStatePath();
}
