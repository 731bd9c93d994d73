using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Snapshots;
using ActorCdc.Node.Cmd.Palettes;
using ActorCdc.Node.Logging;
using Microsoft.Extensions.Logging;
using Xunit;

namespace ActorCdc.Node.Tests;

/// <summary>How command output is rendered: tables, status lines, progress bars, masked credentials, trees, the log buffer.</summary>
public class FormattingTests
{
    private static readonly TableId Orders = new("public", "orders");

    [Fact]
    public void Text_table_aligns_columns_to_the_widest_cell()
    {
        var text = TextTable.Render(["A", "LONG HEADER", "C"], [["wide cell", "x", "1"], ["y", "z", "22"]]);
        Assert.Equal("A          LONG HEADER  C\nwide cell  x            1\ny          z            22\n", text);
    }

    [Fact]
    public void Status_line_shows_state_lag_rows_rate_and_backfill_bar()
    {
        var status = new PipelineStatus("shop", PipelineState.Backfilling, null, new Lsn(0x16B3748), new Lsn(0x16B3748 + 2048), 2048, 1.2, 0, 0,
            [new TableStatus(Orders, 1500, 1200, 0)]);
        var backfill = new[]
        {
            new BackfillTableProgress(Orders, TableBackfillStatus.Running, 250, 1000, 1, 4, true, 125, TimeSpan.FromSeconds(6), null),
            new BackfillTableProgress(new TableId("public", "done"), TableBackfillStatus.Done, 10, 10, 1, 1, true, 0, null, null),
        };
        var text = StatusFormatter.Format(status, backfill, new Dictionary<TableId, double> { [Orders] = 300 }, new DateTime(2026, 1, 2, 3, 4, 5));
        var lines = text.Split('\n');
        Assert.Equal("[03:04:05] shop Backfilling  lag 2.0 KiB / 1.2s  confirmed " + new Lsn(0x16B3748), lines[0]);
        Assert.Matches(@"^\s+public\.orders\s+replicated\s+1,200\s+\(\s+300 rows/s\)$", lines[1]);
        Assert.Contains("[#####...............]  25.0%  250/~1,000 rows  chunks 1/4  125 rows/s  ETA 00:00:06", lines[2]);
        Assert.Equal(3, lines.Length); // a finished table without a note is not repeated
    }

    [Fact]
    public void Rates_are_rows_applied_per_second_between_two_observations()
    {
        var formatter = new StatusFormatter();
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        PipelineStatus At(long applied) => new("shop", PipelineState.Streaming, null, default, default, 0, 0, 0, 0, [new TableStatus(Orders, applied, applied, 0)]);
        Assert.Equal(0, formatter.Observe(At(100), t0)[Orders]);
        Assert.Equal(450, formatter.Observe(At(1000), t0.AddSeconds(2))[Orders]);
    }

    [Theory]
    [InlineData(0, "[....................]")]
    [InlineData(50, "[##########..........]")]
    [InlineData(100, "[####################]")]
    [InlineData(140, "[####################]")]
    public void Progress_bar_has_twenty_cells(double pct, string bar) => Assert.Equal(bar, StatusFormatter.Bar(pct));

    [Theory]
    [InlineData(512, "512 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(3L << 20, "3.0 MiB")]
    [InlineData(5L << 30, "5.0 GiB")]
    public void Bytes_are_shown_in_binary_units(long n, string text) => Assert.Equal(text, StatusFormatter.Bytes(n));

    [Theory]
    [InlineData("s3://bucket/prefix", "s3://bucket/prefix")]
    [InlineData("https://user:secret@minio:9000/x", "https://****@minio:9000/x")]
    [InlineData("file:///var/lib/actorcdc", "file:///var/lib/actorcdc")]
    public void Credentials_in_locations_are_masked(string uri, string shown) => Assert.Equal(shown, CredentialMask.Uri(uri));

    [Fact]
    public void Secrets_never_show_and_access_keys_keep_only_a_prefix()
    {
        Assert.Equal("****", CredentialMask.Secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        Assert.Equal("AKIA****", CredentialMask.Secret("AKIAIOSFODNN7EXAMPLE", showPrefix: true));
        Assert.Equal("(not set)", CredentialMask.Secret(""));
    }

    [Fact]
    public void Actor_tree_draws_branches_and_counts_what_was_cut()
    {
        var tree = new ActorTree("user", "/user", [
            new ActorTree("pipelines", "/user/pipelines", [new ActorTree("proxy-shop", "/user/pipelines/proxy-shop", [], 2)], 0),
            new ActorTree("other", "/user/other", [], 0),
        ], 0);
        Assert.Equal("/user\n├─ pipelines\n│  └─ proxy-shop  (+2 below)\n└─ other\n", ActorTree.Render(tree));
    }

    [Fact]
    public void Recent_logs_keep_the_last_lines_in_order_within_their_capacity()
    {
        var logs = new RecentLogs(capacity: 3);
        var logger = logs.CreateLogger("Test");
        for (var i = 1; i <= 5; i++) logger.LogInformation("line {N}", i);
        var last = logs.Last(10);
        Assert.Equal(3, last.Count);
        Assert.EndsWith("info Test: line 3", last[0]);
        Assert.EndsWith("info Test: line 5", last[2]);
        Assert.Equal(["line 5"], logs.Last(1).Select(l => l[^6..]));
        Assert.Equal(5, logs.Written);
    }

    [Fact]
    public void Recent_logs_take_lines_from_many_threads_without_losing_count()
    {
        var logs = new RecentLogs(capacity: 100);
        Parallel.For(0, 1000, i => logs.Add("line " + i));
        Assert.Equal(1000, logs.Written);
        Assert.Equal(100, logs.Last(500).Count);
        Assert.All(logs.Last(100), Assert.NotNull);
    }
}
