using ActorCdc.Core.Positions;
using ActorCdc.Sink.Files.Tests.Support;
using Xunit;
using static ActorCdc.Sink.Files.Tests.Support.Rows;

namespace ActorCdc.Sink.Files.Tests;

/// <summary>Files roll by size, by age and on schema changes, and land in the dt= directory of their date.</summary>
public sealed class RollingTests
{
    private static readonly Core.Schema.TableSchema Logs = Schema("public.logs",
        Column("id", Int8, "bigint", key: true),
        Column("line", Text, "text"));

    private static Core.Changes.RowChange[] Inserts(int from, int to, int width = 10)
    {
        var changes = new Core.Changes.RowChange[to - from + 1];
        for (var i = from; i <= to; i++) changes[i - from] = Insert(At(i), i.ToString(), i.ToString().PadLeft(width, '.'));
        return changes;
    }

    private static List<long> Ids(ParquetReadBack file) => file.Rows.Select(r => (long)r["id"]!).ToList();

    [Fact]
    public async Task Files_roll_by_size_and_together_hold_every_row_once_in_order()
    {
        await using var h = new SinkHarness(local => new ParquetSinkSettings("file:///x", localDirectory: local,
            rollMaxBytes: 16 * 1024, rowGroupMaxBytes: 4 * 1024, compression: ParquetCompression.None));
        var sink = h.Sink("public.logs");
        await h.ApplyAndCommitAsync(sink, Logs, Inserts(1, 600, width: 100));

        var files = await h.ReadTableAsync("public.logs");
        Assert.True(files.Count >= 4, $"expected several files, got {files.Count}");
        Assert.Equal(Enumerable.Range(1, 600).Select(i => (long)i), files.SelectMany(Ids));
        foreach (var key in await h.PublishedKeysAsync())
        {
            var size = (await h.Store.GetAsync(key, h.Deadline))!.Length;
            Assert.True(size <= 24 * 1024, $"{key} has {size} bytes");
        }
        // Each file is named after the first and last position it holds.
        foreach (var f in files)
        {
            var first = At(Ids(f)[0]);
            var last = At(Ids(f)[^1]);
            Assert.EndsWith($"/part-{first.CommitLsn.Value:X16}.0-{last.CommitLsn.Value:X16}.0.parquet", f.Key);
        }
    }

    [Fact]
    public async Task Files_roll_by_age_at_the_next_write()
    {
        await using var h = new SinkHarness(local => new ParquetSinkSettings("file:///x", localDirectory: local, rollMaxAge: TimeSpan.FromMinutes(5)));
        var sink = h.Sink("public.logs");
        await sink.ApplyAsync(Logs, Inserts(1, 3), At(3), h.Deadline);
        h.Time.Advance(TimeSpan.FromMinutes(4));
        await sink.ApplyAsync(Logs, Inserts(4, 6), At(6), h.Deadline);
        Assert.Empty(await h.StagedKeysAsync());
        Assert.Equal(1, h.Factory.OpenWriters);

        h.Time.Advance(TimeSpan.FromMinutes(2));
        await sink.ApplyAsync(Logs, Inserts(7, 8), At(8), h.Deadline);
        // The first file reached its age and was closed and staged by the write; the new one holds 7..8.
        Assert.Single(await h.StagedKeysAsync());

        await sink.CommitAsync(await sink.PrepareAsync(At(8), h.Deadline), h.Deadline);
        var files = await h.ReadTableAsync("public.logs");
        Assert.Equal([[1L, 2, 3, 4, 5, 6], [7L, 8]], files.Select(Ids));
        Assert.Equal(0, h.Factory.OpenWriters);
    }

    [Fact]
    public async Task Processing_date_partitions_by_the_utc_day_changes_reach_the_sink()
    {
        await using var h = new SinkHarness(local => new ParquetSinkSettings("file:///x", localDirectory: local, partitionBy: ParquetPartitioning.ProcessingDate));
        var sink = h.Sink("public.logs");
        h.Time.Now = new DateTimeOffset(2024, 3, 1, 23, 59, 0, TimeSpan.FromHours(-5)); // 2024-03-02 04:59 UTC
        await sink.ApplyAsync(Logs, Inserts(1, 2), At(2), h.Deadline);
        h.Time.Now = new DateTimeOffset(2024, 3, 3, 0, 0, 1, TimeSpan.Zero);
        await h.ApplyAndCommitAsync(sink, Logs, Inserts(3, 4));

        var files = await h.ReadTableAsync("public.logs");
        Assert.Equal(["public.logs/dt=2024-03-02", "public.logs/dt=2024-03-03"], files.Select(f => f.Key[..f.Key.LastIndexOf('/')]));
        Assert.Equal([[1L, 2], [3L, 4]], files.Select(Ids));
    }

    [Fact]
    public async Task Commit_date_partitions_by_the_commit_time_the_engine_supplies()
    {
        var commitTimes = new Dictionary<Lsn, DateTime>
        {
            [At(1).CommitLsn] = new(2024, 1, 31, 23, 59, 59, DateTimeKind.Utc),
            [At(2).CommitLsn] = new(2024, 2, 1, 0, 0, 0, DateTimeKind.Utc),
        };
        await using var h = new SinkHarness(commitTimeOf: lsn => commitTimes.TryGetValue(lsn, out var t) ? t : null);
        var sink = h.Sink("public.logs");
        await h.ApplyAndCommitAsync(sink, Logs, Inserts(1, 3));

        var files = await h.ReadTableAsync("public.logs");
        // LSN 3 has no known commit time: the date it reached the sink (the harness clock, 2024-03-01).
        Assert.Equal(["public.logs/dt=2024-01-31", "public.logs/dt=2024-02-01", "public.logs/dt=2024-03-01"],
            files.Select(f => f.Key[..f.Key.LastIndexOf('/')]));
        Assert.Equal([[1L], [2L], [3L]], files.Select(Ids));
    }

    [Fact]
    public async Task Partition_by_none_puts_files_straight_under_the_table()
    {
        await using var h = new SinkHarness(local => new ParquetSinkSettings("file:///x", localDirectory: local, partitionBy: ParquetPartitioning.None));
        await h.ApplyAndCommitAsync(h.Sink("public.logs", "raw.logs"), Logs, Inserts(1, 2));
        var key = Assert.Single(await h.PublishedKeysAsync());
        Assert.Matches("^raw\\.logs/part-[0-9A-F]{16}\\.0-[0-9A-F]{16}\\.0\\.parquet$", key);
    }

    [Fact]
    public async Task A_schema_change_mid_stream_starts_a_new_file_with_the_new_columns()
    {
        await using var h = new SinkHarness();
        var sink = h.Sink("public.logs");
        var v2 = Schema("public.logs", Column("id", Int8, "bigint", key: true), Column("line", Text, "text"), Column("level", Int2, "smallint"));
        await sink.ApplyAsync(Logs, Inserts(1, 2), At(2), h.Deadline);
        await sink.ApplyAsync(v2, [Insert(At(3), "3", "three", "4")], At(3), h.Deadline);
        await sink.CommitAsync(await sink.PrepareAsync(At(3), h.Deadline), h.Deadline);

        var files = await h.ReadTableAsync("public.logs");
        Assert.Equal(2, files.Count);
        Assert.DoesNotContain(files[0].Fields, f => f.Name == "level");
        Assert.Equal((short)4, files[1].Rows[0]["level"]);
        Assert.Equal([[1L, 2], [3L]], files.Select(Ids));
    }
}
