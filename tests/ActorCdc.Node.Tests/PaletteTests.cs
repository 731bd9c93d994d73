using System.Text.Json;
using ActorCdc.Cmd.Palettes;
using ActorCdc.Engine.Protocol;
using ActorCdc.Node.Cmd.Palettes;
using ActorCdc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ActorCdc.Node.Tests;

/// <summary>Every command of every palette against a node running in this process, in human and JSON form, and bad input.</summary>
public class PaletteTests(PaletteNodeFixture node) : IClassFixture<PaletteNodeFixture>
{
    private static Dictionary<string, string> A(params (string Key, string Value)[] args) => args.ToDictionary(a => a.Key, a => a.Value);

    private static JsonElement Json(RecordingOutput output)
    {
        var line = Assert.Single(output.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return JsonDocument.Parse(line).RootElement;
    }

    private static void AssertOk(CommandResult result, RecordingOutput output) =>
        Assert.True(result.Succeeded, $"command failed: {result.Message}\noutput:\n{output.Text}");

    private static void AssertFails(CommandResult result, string expected)
    {
        Assert.False(result.Succeeded, "the command should have failed");
        Assert.Contains(expected, result.Message ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void The_node_registers_the_six_palettes()
    {
        var names = node.Services.GetServices<ICommandPaletteHandler>().Select(h => h.Palette.Name).Order().ToList();
        Assert.Equal(["actor", "cdc", "cluster", "cluster-sharding", "log", "state"], names);
    }

    [Fact]
    public async Task Cluster_show_lists_this_node_up_as_leader_and_oldest()
    {
        var (r, o) = await node.RunAsync("cluster", "show");
        AssertOk(r, o);
        Assert.Contains("Up", o.Text);
        Assert.Contains("leader oldest self", o.Text);
        (r, o) = await node.RunAsync("cluster", "show", json: true);
        AssertOk(r, o);
        var member = Assert.Single(Json(o).GetProperty("members").EnumerateArray());
        Assert.Equal("Up", member.GetProperty("status").GetString());
        Assert.True(member.GetProperty("leader").GetBoolean());
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.Equal(Json(o).GetProperty("self").GetString(), member.GetProperty("address").GetString());
    }

    [Fact]
    public async Task Cluster_join_leave_and_down_unreachable_answer_without_harming_the_node()
    {
        var (show, so) = await node.RunAsync("cluster", "show", json: true);
        AssertOk(show, so);
        var self = Json(so).GetProperty("self").GetString()!;

        var (r, o) = await node.RunAsync("cluster", "join", args: A(("address", self)));
        AssertOk(r, o);
        Assert.Contains("already a member", o.Text);
        (r, _) = await node.RunAsync("cluster", "join", args: A(("address", "akka.tcp://actorcdc@127.0.0.1:1")));
        AssertFails(r, "cannot join another");
        (r, _) = await node.RunAsync("cluster", "join", args: A(("address", "not-an-address")));
        AssertFails(r, "is not a node address");
        (r, _) = await node.RunAsync("cluster", "leave", args: A(("address", "akka.tcp://actorcdc@127.0.0.1:1")));
        AssertFails(r, "is not a member");

        (r, o) = await node.RunAsync("cluster", "down-unreachable");
        AssertOk(r, o);
        Assert.Contains("no unreachable members", o.Text);
        (r, o) = await node.RunAsync("cluster", "down-unreachable", json: true);
        AssertOk(r, o);
        Assert.Equal(0, Json(o).GetProperty("downed").GetArrayLength());
    }

    [Fact]
    public async Task Cluster_tail_streams_the_membership_until_cancelled()
    {
        foreach (var json in new[] { false, true })
        {
            using var cts = new CancellationTokenSource();
            var output = new RecordingOutput();
            var run = node.Palette("cluster").ExecuteAsync(new CommandRequest("cluster", "tail", new Dictionary<string, string>(), json), output, cts.Token);
            await Eventually.WaitAsync(() => Task.FromResult(output.Text.Contains("MemberUp", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "a MemberUp event");
            cts.Cancel();
            var result = await run.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(result.Succeeded);
            if (json) Assert.Equal("MemberUp", JsonDocument.Parse(output.Chunks[0]).RootElement.GetProperty("event").GetString());
        }
    }

    [Fact]
    public async Task Cluster_sharding_shows_the_table_region_with_its_entities()
    {
        var (r, o) = await node.RunAsync("cluster-sharding", "regions");
        AssertOk(r, o);
        Assert.Contains("table", o.Text);
        (r, o) = await node.RunAsync("cluster-sharding", "regions", json: true);
        AssertOk(r, o);
        Assert.Contains(Json(o).GetProperty("regions").EnumerateArray(), e => e.GetProperty("type").GetString() == "table");

        (r, o) = await node.RunAsync("cluster-sharding", "region-stats");
        AssertOk(r, o);
        Assert.Contains("akka.tcp://", o.Text);
        (r, o) = await node.RunAsync("cluster-sharding", "region-stats", json: true);
        AssertOk(r, o);
        var region = Assert.Single(Json(o).GetProperty("nodes").EnumerateArray());
        Assert.True(region.GetProperty("entities").GetInt32() >= 1, o.Text);

        (r, o) = await node.RunAsync("cluster-sharding", "shard-stats");
        AssertOk(r, o);
        Assert.Contains("SHARD", o.Text);
        (r, o) = await node.RunAsync("cluster-sharding", "shard-stats", json: true);
        AssertOk(r, o);
        Assert.True(Json(o).GetProperty("shards").EnumerateArray().Sum(s => s.GetProperty("entities").GetInt32()) >= 1, o.Text);

        (r, _) = await node.RunAsync("cluster-sharding", "region-stats", args: A(("region", "nope")));
        AssertFails(r, "no shard region 'nope'");
    }

    [Fact]
    public async Task Cdc_pipelines_lag_and_tables_show_the_streaming_and_the_failed_pipeline()
    {
        var (r, o) = await node.RunAsync("cdc", "pipelines");
        AssertOk(r, o);
        Assert.Contains("shop", o.Text);
        Assert.Contains("Failed", o.Text);
        (r, o) = await node.RunAsync("cdc", "pipelines", json: true);
        AssertOk(r, o);
        var list = Json(o).GetProperty("pipelines").EnumerateArray().ToDictionary(p => p.GetProperty("pipeline").GetString()!);
        Assert.Equal("failed", list["broken"].GetProperty("state").GetString());
        Assert.Contains("create-slot", list["broken"].GetProperty("reason").GetString());

        (r, o) = await node.RunAsync("cdc", "lag");
        AssertOk(r, o);
        Assert.Contains("CONFIRMED", o.Text);
        (r, o) = await node.RunAsync("cdc", "lag", json: true, args: A(("pipeline", "shop")));
        AssertOk(r, o);
        Assert.Equal("shop", Assert.Single(Json(o).GetProperty("pipelines").EnumerateArray()).GetProperty("pipeline").GetString());

        (r, o) = await node.RunAsync("cdc", "tables", args: A(("pipeline", "shop")));
        AssertOk(r, o);
        Assert.Contains("public.orders", o.Text);
        Assert.Contains("done", o.Text);
        (r, o) = await node.RunAsync("cdc", "tables", json: true, args: A(("pipeline", "shop")));
        AssertOk(r, o);
        var orders = Json(o).GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("table").GetString() == "public.orders");
        Assert.Equal(100.0, orders.GetProperty("backfill_percent").GetDouble());

        (r, _) = await node.RunAsync("cdc", "tables", args: A(("pipeline", "nope")));
        AssertFails(r, "no pipeline 'nope'");
        (r, _) = await node.RunAsync("cdc", "lag", args: A(("pipeline", "nope")));
        AssertFails(r, "no pipeline 'nope' on this node; pipelines: ");
        Assert.Contains("shop", r.Message);
        Assert.Contains("broken", r.Message);
    }

    [Fact]
    public async Task Cdc_status_prints_once_and_watch_streams_frames_until_cancelled()
    {
        var (r, o) = await node.RunAsync("cdc", "status", args: A(("pipeline", "shop")));
        AssertOk(r, o);
        Assert.Matches("shop (Streaming|Backfilling)", o.Text); // Backfilling while another test re-snapshots a table
        Assert.Contains("confirmed", o.Text);
        (r, o) = await node.RunAsync("cdc", "status", json: true);
        AssertOk(r, o);
        Assert.Equal(3, Json(o).GetProperty("pipelines").GetArrayLength());

        foreach (var json in new[] { false, true })
        {
            using var cts = new CancellationTokenSource();
            var output = new RecordingOutput();
            var handler = node.Palette("cdc");
            var run = handler.ExecuteAsync(new CommandRequest("cdc", "status",
                new Dictionary<string, string> { ["pipeline"] = "shop", ["watch"] = "true", ["interval"] = "100ms" }, json), output, cts.Token);
            await Eventually.WaitAsync(() => Task.FromResult(output.Chunks.Count >= 3), TimeSpan.FromSeconds(20), "three status frames");
            cts.Cancel();
            var result = await run.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(result.Succeeded, result.Message);
            var frames = output.Chunks.Count;
            Assert.All(output.Chunks, c => Assert.Contains("shop", c));
            if (json) Assert.All(output.Chunks, c => JsonDocument.Parse(c));
            Assert.Equal(frames, output.Chunks.Count); // nothing more after it ended
        }

        (r, _) = await node.RunAsync("cdc", "status", args: A(("watch", "true"), ("interval", "soon")));
        AssertFails(r, "is not a duration");
    }

    [Fact]
    public async Task Cdc_pause_keeps_new_rows_from_the_sink_and_resume_brings_them()
    {
        await node.Server.ExecuteAsync(node.SourceDb, "INSERT INTO paused_rows VALUES (1, 'before');");
        await Eventually.WaitAsync(() => SinkRowsAsync("paused_rows"), rows => rows.Count == 1, TimeSpan.FromSeconds(60), "the first row in the sink");

        var (r, o) = await node.RunAsync("cdc", "pause", args: A(("pipeline", "shop")));
        AssertOk(r, o);
        Assert.Contains("paused", o.Text);
        var status = await StatusAsync();
        Assert.Equal(PipelineState.Paused, status.State);
        var sentBefore = status.Tables.SingleOrDefault(t => t.Table.Name == "paused_rows")?.RowsSent ?? 0;

        await node.Server.ExecuteAsync(node.SourceDb, "INSERT INTO paused_rows SELECT g, 'while paused' FROM generate_series(2, 200) g;");
        // The witness pipeline reads the same WAL: once it has applied the rows (a longer path than shop's reader sending
        // them), an unpaused shop would have sent them too.
        await Eventually.WaitAsync(async () => (await node.Services.GetRequiredService<PipelineAccess>().StatusAsync("witness", CancellationToken.None))
                .Tables.SingleOrDefault(t => t.Table.Name == "paused_rows")?.RowsApplied ?? 0,
            applied => applied >= 199, TimeSpan.FromSeconds(30), "the witness pipeline to apply the rows inserted while shop is paused");
        status = await StatusAsync();
        Assert.Equal(PipelineState.Paused, status.State);
        Assert.Equal(sentBefore, status.Tables.SingleOrDefault(t => t.Table.Name == "paused_rows")?.RowsSent ?? 0);
        Assert.Equal(["(1,before)"], await SinkRowsAsync("paused_rows"));
        (r, o) = await node.RunAsync("cdc", "status", args: A(("pipeline", "shop")));
        Assert.Contains("shop Paused", o.Text);

        (r, o) = await node.RunAsync("cdc", "resume", json: true, args: A(("pipeline", "shop")));
        AssertOk(r, o);
        Assert.Contains("resumed", Json(o).GetProperty("message").GetString());
        var source = await node.Server.RowsAsTextAsync(node.SourceDb, "SELECT * FROM paused_rows ORDER BY id");
        await Eventually.WaitAsync(() => SinkRowsAsync("paused_rows"), rows => rows.SequenceEqual(source), TimeSpan.FromSeconds(60), "the sink to equal the source");
        Assert.NotEqual(PipelineState.Paused, (await StatusAsync()).State);
    }

    [Fact]
    public async Task Pausing_a_failed_pipeline_or_an_unknown_one_is_refused_with_a_sentence()
    {
        var (r, _) = await node.RunAsync("cdc", "pause", args: A(("pipeline", "broken")));
        AssertFails(r, "is Failed");
        Assert.Contains("restart", r.Message);
        (r, _) = await node.RunAsync("cdc", "pause", args: A(("pipeline", "nope")));
        AssertFails(r, "no pipeline 'nope' on this node");
        (r, var o) = await node.RunAsync("cdc", "resume", args: A(("pipeline", "broken")));
        AssertOk(r, o);
        Assert.Contains("was not paused", o.Text);
    }

    [Fact]
    public async Task Cdc_resnapshot_copies_a_captured_table_again_and_refuses_an_unknown_one()
    {
        var (r, o) = await node.RunAsync("cdc", "resnapshot", args: A(("pipeline", "shop"), ("table", "public.orders")));
        AssertOk(r, o);
        Assert.Contains("re-snapshot of public.orders started", o.Text);
        await Eventually.WaitAsync(async () => (await node.RunAsync("cdc", "tables", json: true, args: A(("pipeline", "shop")))).Output,
            out_ => Json(out_).GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("table").GetString() == "public.orders").GetProperty("backfill").GetString() == "done",
            TimeSpan.FromSeconds(60), "the re-snapshot of public.orders to finish");
        (r, o) = await node.RunAsync("cdc", "resnapshot", json: true, args: A(("pipeline", "shop"), ("table", "public.orders")));
        AssertOk(r, o);
        Assert.Equal("public.orders", Json(o).GetProperty("table").GetString());

        (r, _) = await node.RunAsync("cdc", "resnapshot", args: A(("pipeline", "shop"), ("table", "public.nope")));
        AssertFails(r, "does not capture public.nope");
    }

    [Fact]
    public async Task Cdc_profile_get_and_set_switch_the_profile_and_refuse_a_bad_value()
    {
        var (r, o) = await node.RunAsync("cdc", "profile get", args: A(("pipeline", "shop")));
        AssertOk(r, o);
        Assert.Contains("in force (auto", o.Text);
        (r, o) = await node.RunAsync("cdc", "profile set", json: true, args: A(("pipeline", "shop"), ("value", "backfill")));
        AssertOk(r, o);
        Assert.Equal(("backfill", "forced"), (Json(o).GetProperty("profile").GetString(), Json(o).GetProperty("mode").GetString()));
        (r, o) = await node.RunAsync("cdc", "profile get", json: true, args: A(("pipeline", "shop")));
        Assert.Equal("backfill", Json(o).GetProperty("profile").GetString());
        (r, o) = await node.RunAsync("cdc", "profile set", args: A(("pipeline", "shop"), ("value", "auto")));
        AssertOk(r, o);
        Assert.Contains("in force (auto", o.Text);

        (r, _) = await node.RunAsync("cdc", "profile set", args: A(("pipeline", "shop"), ("value", "turbo")));
        AssertFails(r, "'turbo' is not a profile; give -v backfill, steady or auto");
    }

    [Fact]
    public async Task State_checkpoint_writes_each_tables_snapshot_into_checkpoint_storage()
    {
        var before = DateTime.UtcNow.Ticks;
        var (r, o) = await node.RunAsync("state", "checkpoint", json: true, args: A(("pipeline", "shop")));
        AssertOk(r, o);
        var orders = Json(o).GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("table").GetString() == "public.orders");
        Assert.True(orders.GetProperty("succeeded").GetBoolean(), o.Text);
        var seq = orders.GetProperty("sequence_nr").GetInt64();
        var snapshots = Path.Combine(node.DataDirectory, "checkpoints", "snapshots");
        var files = Directory.GetFiles(snapshots, "*.snap", SearchOption.AllDirectories);
        // Object names are <sequence nr:D20>-<timestamp ticks:D19>.snap: a snapshot of this sequence number taken now.
        Assert.Contains(files, f => f.Contains("public.orders", StringComparison.Ordinal)
                                    && Path.GetFileName(f).StartsWith(seq.ToString("D20") + "-", StringComparison.Ordinal)
                                    && long.Parse(Path.GetFileName(f)[21..40]) >= before);

        (r, o) = await node.RunAsync("state", "checkpoint", args: A(("pipeline", "shop")));
        AssertOk(r, o);
        Assert.Contains("public.orders", o.Text);
        Assert.Contains("ok", o.Text);

        (r, _) = await node.RunAsync("state", "checkpoint", args: A(("pipeline", "broken")));
        AssertFails(r, "has no tables yet");
    }

    [Fact]
    public async Task State_savepoint_is_written_and_listed()
    {
        var (r, o) = await node.RunAsync("state", "savepoint", args: A(("pipeline", "shop")));
        AssertOk(r, o);
        Assert.Contains("--from-savepoint shop/", o.Text);
        (r, o) = await node.RunAsync("state", "savepoint", json: true, args: A(("pipeline", "shop")));
        AssertOk(r, o);
        var id = Json(o).GetProperty("savepoint_id").GetString()!;

        (r, o) = await node.RunAsync("state", "savepoints", args: A(("pipeline", "shop")));
        AssertOk(r, o);
        Assert.Contains("shop/" + id, o.Text);
        (r, o) = await node.RunAsync("state", "savepoints", json: true, args: A(("pipeline", "shop")));
        AssertOk(r, o);
        Assert.Contains(Json(o).GetProperty("savepoints").EnumerateArray(), s => s.GetProperty("savepoint_id").GetString() == id);

        (r, _) = await node.RunAsync("state", "savepoint", args: A(("pipeline", "broken")));
        AssertFails(r, "not reading");
        (r, o) = await node.RunAsync("state", "savepoints", args: A(("pipeline", "broken")));
        AssertOk(r, o);
        Assert.Contains("no savepoints of pipeline broken", o.Text);
    }

    [Fact]
    public async Task State_backend_shows_the_backend_and_checkpoint_storage()
    {
        var (r, o) = await node.RunAsync("state", "backend");
        AssertOk(r, o);
        Assert.Contains("rocksdb", o.Text);
        Assert.Contains("file:///", o.Text);
        (r, o) = await node.RunAsync("state", "backend", json: true);
        AssertOk(r, o);
        Assert.Equal("rocksdb", Json(o).GetProperty("backend").GetString());
        Assert.StartsWith("file:///", Json(o).GetProperty("checkpoint_storage").GetString());
    }

    [Fact]
    public async Task Actor_hierarchy_draws_the_tree_under_a_path()
    {
        var (r, o) = await node.RunAsync("actor", "hierarchy");
        AssertOk(r, o);
        Assert.StartsWith("/user\n", o.Text);
        Assert.Contains("pipelines", o.Text);
        Assert.Contains("proxy-shop", o.Text);
        (r, o) = await node.RunAsync("actor", "hierarchy", json: true, args: A(("path", "/user/pipelines"), ("depth", "1")));
        AssertOk(r, o);
        var children = Json(o).GetProperty("children").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Contains("pipeline-shop", children);
        Assert.All(Json(o).GetProperty("children").EnumerateArray(), c => Assert.Equal(0, c.GetProperty("children").GetArrayLength()));

        (r, _) = await node.RunAsync("actor", "hierarchy", args: A(("path", "/user/nothing-here")));
        AssertFails(r, "no actor at /user/nothing-here");
        (r, _) = await node.RunAsync("actor", "hierarchy", args: A(("depth", "-1")));
        AssertFails(r, "is not a positive whole number");
    }

    [Fact]
    public async Task Log_peek_returns_what_the_node_and_akka_logged()
    {
        var (r, o) = await node.RunAsync("log", "peek", args: A(("lines", "2000")));
        AssertOk(r, o);
        Assert.Contains("streaming from slot", o.Text); // the WalReader logs through Akka
        Assert.Contains("pipeline FAILED", o.Text);
        (r, o) = await node.RunAsync("log", "peek", json: true, args: A(("lines", "3")));
        AssertOk(r, o);
        Assert.Equal(3, Json(o).GetProperty("lines").GetArrayLength());
        (r, _) = await node.RunAsync("log", "peek", args: A(("lines", "many")));
        AssertFails(r, "is not a positive whole number");
    }

    private Task<PipelineStatus> StatusAsync() => node.Services.GetRequiredService<PipelineAccess>().StatusAsync("shop", CancellationToken.None);

    private async Task<List<string>> SinkRowsAsync(string table)
    {
        try { return await node.Server.RowsAsTextAsync(node.SinkDb, $"SELECT * FROM {table} ORDER BY id"); }
        catch (Npgsql.PostgresException e) when (e.SqlState == "42P01") { return []; }
    }
}
