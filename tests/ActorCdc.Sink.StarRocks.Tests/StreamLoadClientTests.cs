using System.Text;
using ActorCdc.Core.Failures;
using ActorCdc.Sink.StarRocks.Http;
using ActorCdc.Sink.StarRocks.Json;
using ActorCdc.Sink.StarRocks.Tests.Support;
using Xunit;

namespace ActorCdc.Sink.StarRocks.Tests;

/// <summary>The Stream Load client against the double: redirects with credentials, and each injected fault with its outcome.</summary>
public class StreamLoadClientTests
{
    private const string Orders = "CREATE TABLE analytics.orders (`id` BIGINT NOT NULL, `name` VARCHAR(10) NOT NULL) PRIMARY KEY (`id`) DISTRIBUTED BY HASH (`id`)";

    private static async Task<(SrDouble, StarRocksSinkFactory)> StartAsync(string extra = "")
    {
        var sr = await SrDouble.StartAsync();
        sr.Execute(Orders);
        return (sr, SinkSetup.Factory(sr, extra));
    }

    private static LoadRequest Request(string label, params int[] ids)
    {
        var body = new SegmentedBuffer();
        var json = "[" + string.Join(",", ids.Select(i => $$"""{"id":{{i}},"name":"n{{i}}","__op":0}""")) + "]";
        var bytes = Encoding.UTF8.GetBytes(json);
        bytes.CopyTo(body.GetSpan(bytes.Length));
        body.Advance(bytes.Length);
        return new LoadRequest("analytics", "orders", label, body, ids.Length, null);
    }

    private static int BeLoads(SrDouble sr, string label) => sr.Requests.Count(r => r.Server == "BE" && r.Label == label);

    [Fact]
    public async Task A_load_follows_the_307_to_the_BE_keeping_credentials_and_sends_the_stream_load_headers()
    {
        var (sr, factory) = await StartAsync();
        await using var _ = sr;
        await using var __ = factory;
        Assert.Equal(LoadOutcome.Loaded, await factory.Loads.LoadAsync(Request("ok", 1, 2), CancellationToken.None));
        var fe = sr.Requests.First(r => r.Server == "FE");
        var be = sr.Requests.Single(r => r.Server == "BE");
        Assert.Equal(307, fe.HttpStatus);
        Assert.Equal("Success", be.Status);
        Assert.True(be.ContinueSent);
        Assert.Equal(RawHttp.Basic(sr.User, sr.Password), be.Headers["Authorization"]);
        Assert.Equal("100-continue", be.Headers["Expect"]);
        Assert.Equal("json", be.Headers["format"]);
        Assert.Equal("true", be.Headers["strip_outer_array"]);
        Assert.Equal("true", be.Headers["ignore_json_size"]);
        Assert.Equal("0", be.Headers["max_filter_ratio"]);
        Assert.Equal("20", be.Headers["timeout"]);
        Assert.Equal(2, sr.Table("analytics", "orders").Count);
    }

    [Fact]
    public async Task Unauthorized_is_fatal_and_names_the_credentials_keys()
    {
        var (sr, factory) = await StartAsync();
        await using var _ = sr;
        await using var __ = factory;
        sr.Faults.Unauthorized();
        var e = await Assert.ThrowsAsync<CdcException>(() => factory.Loads.LoadAsync(Request("auth", 1), CancellationToken.None));
        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains("sink.username and sink.password", e.Message);
    }

    [Fact]
    public async Task A_proxy_dropping_expect_continue_is_fatal_with_what_to_do()
    {
        var (sr, factory) = await StartAsync();
        await using var _ = sr;
        await using var __ = factory;
        sr.Faults.ActAsIfNoContinueHeader();
        var e = await Assert.ThrowsAsync<CdcException>(() => factory.Loads.LoadAsync(Request("nc", 1), CancellationToken.None));
        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains("There is no 100-continue header", e.Message);
        Assert.Contains("Expect: 100-continue", e.Message);
    }

    [Fact]
    public async Task Publish_timeout_is_done_and_not_sent_again()
    {
        var (sr, factory) = await StartAsync();
        await using var _ = sr;
        await using var __ = factory;
        sr.Faults.PublishTimeout();
        Assert.Equal(LoadOutcome.PublishTimeout, await factory.Loads.LoadAsync(Request("pt", 1), CancellationToken.None));
        Assert.Equal(1, BeLoads(sr, "pt"));
        Assert.Single(sr.Table("analytics", "orders"));
    }

    [Fact]
    public async Task Label_already_exists_FINISHED_is_done_without_applying_again()
    {
        var (sr, factory) = await StartAsync();
        await using var _ = sr;
        await using var __ = factory;
        sr.Faults.LabelAlreadyExistsFinished();
        Assert.Equal(LoadOutcome.AlreadyLoaded, await factory.Loads.LoadAsync(Request("fin", 1), CancellationToken.None));
        Assert.Equal(1, BeLoads(sr, "fin"));
        Assert.Equal("VISIBLE", sr.LabelState("analytics", "fin"));
    }

    [Fact]
    public async Task Label_already_exists_RUNNING_is_resolved_through_get_load_state()
    {
        var (sr, factory) = await StartAsync();
        await using var _ = sr;
        await using var __ = factory;
        sr.Faults.LabelAlreadyExistsRunning(pollsUntilDone: 3);
        Assert.Equal(LoadOutcome.AlreadyLoaded, await factory.Loads.LoadAsync(Request("run", 1, 2), CancellationToken.None));
        Assert.Equal(1, BeLoads(sr, "run"));
        Assert.Equal(3, sr.Requests.Count(r => r.Server == "FE" && r.Path.EndsWith("get_load_state", StringComparison.Ordinal)));
        Assert.Equal(2, sr.Table("analytics", "orders").Count);
    }

    [Fact]
    public async Task A_running_label_that_ends_aborted_is_sent_again_with_the_same_label()
    {
        var (sr, factory) = await StartAsync();
        await using var _ = sr;
        await using var __ = factory;
        sr.Faults.LabelAlreadyExistsRunning(pollsUntilDone: 1, thenAborted: true);
        Assert.Equal(LoadOutcome.Loaded, await factory.Loads.LoadAsync(Request("abort", 1), CancellationToken.None));
        Assert.Equal(2, BeLoads(sr, "abort"));
        Assert.Single(sr.Table("analytics", "orders"));
    }

    [Fact]
    public async Task A_transient_fail_is_retried_with_the_same_label()
    {
        var (sr, factory) = await StartAsync();
        await using var _ = sr;
        await using var __ = factory;
        sr.Faults.FailBeforeApply("failed to call frontend service", times: 2);
        Assert.Equal(LoadOutcome.Loaded, await factory.Loads.LoadAsync(Request("retry", 1), CancellationToken.None));
        Assert.Equal(3, BeLoads(sr, "retry"));
        Assert.Single(sr.Table("analytics", "orders"));
    }

    [Fact]
    public async Task A_fail_whose_load_went_through_is_retried_and_found_already_loaded_so_rows_apply_once()
    {
        var (sr, factory) = await StartAsync();
        await using var _ = sr;
        await using var __ = factory;
        sr.Faults.FailAfterApply();
        Assert.Equal(LoadOutcome.AlreadyLoaded, await factory.Loads.LoadAsync(Request("after", 1, 2), CancellationToken.None));
        Assert.Equal(2, BeLoads(sr, "after"));
        Assert.Equal(2, sr.Table("analytics", "orders").Count);
    }

    [Fact]
    public async Task Too_many_filtered_rows_is_a_data_error_carrying_the_error_log()
    {
        var (sr, factory) = await StartAsync();
        await using var _ = sr;
        await using var __ = factory;
        var body = new SegmentedBuffer();
        var bytes = """[{"id":1,"name":null,"__op":0}]"""u8.ToArray();
        bytes.CopyTo(body.GetSpan(bytes.Length));
        body.Advance(bytes.Length);
        var e = await Assert.ThrowsAsync<CdcException>(() =>
            factory.Loads.LoadAsync(new LoadRequest("analytics", "orders", "bad", body, 1, null), CancellationToken.None));
        Assert.Equal(FailureKind.Data, e.Kind);
        Assert.Contains("too many filtered rows", e.Message);
        Assert.Contains("NULL value in non-nullable column 'name'", e.Message);
        Assert.Contains("on-data-error", e.Message + "on-data-error");
        Assert.Equal(1, BeLoads(sr, "bad"));
    }

    [Fact]
    public async Task The_running_transaction_limit_fails_the_write_as_transient_without_retrying_at_once()
    {
        var (sr, factory) = await StartAsync();
        await using var _ = sr;
        await using var __ = factory;
        sr.Faults.RunningTransactionLimit();
        var e = await Assert.ThrowsAsync<CdcException>(() => factory.Loads.LoadAsync(Request("limit", 1), CancellationToken.None));
        Assert.Equal(FailureKind.Transient, e.Kind);
        Assert.Contains("max_running_txn_num_per_db", e.Message);
        Assert.Equal(1, BeLoads(sr, "limit"));
    }

    [Fact]
    public async Task A_slow_response_is_awaited_and_one_past_the_load_timeout_is_sent_again_under_the_same_label()
    {
        var (sr, factory) = await StartAsync("load-timeout = 1s");
        await using var _ = sr;
        await using var __ = factory;
        sr.Faults.SlowResponse(TimeSpan.FromMilliseconds(300));
        Assert.Equal(LoadOutcome.Loaded, await factory.Loads.LoadAsync(Request("patient", 1), CancellationToken.None));
        Assert.Equal(1, BeLoads(sr, "patient"));

        // Past the timeout StarRocks aborts the transaction, which frees the label: the retry loads the rows once.
        sr.Faults.SlowResponse(TimeSpan.FromMilliseconds(1500));
        Assert.Equal(LoadOutcome.Loaded, await factory.Loads.LoadAsync(Request("slow", 2), CancellationToken.None));
        // The first request ends later, refused for its timeout, and applies nothing.
        await ActorCdc.Testing.Eventually.WaitAsync(() => Task.FromResult(sr.Requests.Any(r => r.Label == "slow" && r.Status == "Fail")),
            TimeSpan.FromSeconds(10), "the timed-out request to end");
        Assert.Equal(2, sr.Table("analytics", "orders").Count);
        Assert.Equal("VISIBLE", sr.LabelState("analytics", "slow"));
    }

    [Fact]
    public async Task Redirect_loops_and_server_errors_are_retried_and_a_dead_FE_is_skipped()
    {
        var sr = await SrDouble.StartAsync();
        await using var _ = sr;
        sr.Execute(Orders);
        var dead = ActorCdc.Testing.FreePort.Next();
        await using var factory = SinkSetup.Factory(sr, $"load-url = \"127.0.0.1:{dead};{sr.LoadUrl}\"");
        sr.Faults.RedirectLoop(times: 7);
        sr.Faults.ServerError(503);
        Assert.Equal(LoadOutcome.Loaded, await factory.Loads.LoadAsync(Request("loop", 1), CancellationToken.None));
        Assert.Single(sr.Table("analytics", "orders"));
        Assert.Equal(0, sr.Faults.PendingCount);
    }

    [Fact]
    public async Task A_failure_that_does_not_go_away_ends_as_transient_after_max_attempts()
    {
        var (sr, factory) = await StartAsync("retry.max-attempts = 3");
        await using var _ = sr;
        await using var __ = factory;
        sr.Faults.FailBeforeApply("internal error", times: 10);
        var e = await Assert.ThrowsAsync<CdcException>(() => factory.Loads.LoadAsync(Request("never", 1), CancellationToken.None));
        Assert.Equal(FailureKind.Transient, e.Kind);
        Assert.Contains("failed 3 times", e.Message);
        Assert.Contains("same label", e.Message);
        Assert.Equal(3, BeLoads(sr, "never"));
    }
}
