using ActorCdc.Core.Schema;
using ActorCdc.Sink.Files.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using static ActorCdc.Sink.Files.Tests.Support.Rows;

namespace ActorCdc.Sink.Files.Tests;

/// <summary>
/// Open files are bounded over every table and partition of a sink, least recently used closed first, so a thousand
/// tables keep memory flat; files closed for room still wait for their checkpoint.
/// </summary>
public sealed class OpenWriterBoundTests(ITestOutputHelper output)
{
    private static readonly TableSchema Wide = Schema("public.t",
        Column("id", Int8, "bigint", key: true),
        Column("a", Int4, "integer"),
        Column("b", Text, "text"),
        Column("c", TimestampTz, "timestamp with time zone"),
        Column("d", Numeric, "numeric(12,2)", modifier: NumericModifier(12, 2)));

    [Fact]
    public async Task A_thousand_tables_in_small_batches_keep_open_writers_within_the_limit_and_memory_flat()
    {
        const int Tables = 1000;
        const int Limit = 16;
        const int Rounds = 4;
        await using var h = new SinkHarness(local => new ParquetSinkSettings("file:///x", localDirectory: local, maxOpenWriters: Limit));
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var sinks = new ParquetTableSink[Tables];
        for (var t = 0; t < Tables; t++) sinks[t] = h.Sink($"public.t{t}");

        long position = 0;
        long afterFirstRound = 0;
        for (var round = 0; round < Rounds; round++)
        {
            // Four tables write at once, as four SinkWriters would; half of them checkpoint right away, while the others'
            // writes may close their files for room.
            var r = round;
            await Parallel.ForEachAsync(Enumerable.Range(0, Tables), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (t, ct) =>
            {
                var at = Interlocked.Add(ref position, 3);
                var changes = new[]
                {
                    Insert(At(at - 2), (at - 2).ToString(), "1", new string('b', 100), "2024-03-01 10:00:00+00", "12.34"),
                    Insert(At(at - 1), (at - 1).ToString(), "2", new string('b', 100), "2024-03-01 10:00:01+00", "-0.01"),
                    Insert(At(at), at.ToString(), "3", new string('b', 100), "2024-03-01 10:00:02+00", "99.99"),
                };
                await sinks[t].ApplyAsync(Wide, changes, changes[^1].Position, ct);
                Assert.True(h.Factory.OpenWriters <= Limit, $"{h.Factory.OpenWriters} open writers");
                if ((t + r) % 2 == 0) await sinks[t].CommitAsync(await sinks[t].PrepareAsync(changes[^1].Position, ct), ct);
            });
            // A checkpoint every round publishes what was closed for room and what is still open.
            foreach (var sink in sinks) await sink.CommitAsync(await sink.PrepareAsync(At(position), h.Deadline), h.Deadline);
            var memory = GC.GetTotalMemory(forceFullCollection: true);
            output.WriteLine($"round {round}: managed heap {memory / 1024} KiB, threads {ThreadPool.ThreadCount}, evictions {h.Factory.EvictedWriters}, peak open {h.Factory.PeakOpenWriters}");
            if (round == 0)
            {
                afterFirstRound = memory;
                // A thousand table sinks with their layouts, and at most the limit's worth of open files.
                Assert.True(memory - before < 32L * 1024 * 1024, $"managed heap grew by {(memory - before) / 1024} KiB for {Tables} tables");
            }
            else Assert.True(memory - afterFirstRound < 8L * 1024 * 1024, $"managed heap grew by {(memory - afterFirstRound) / 1024} KiB over {round} rounds");
        }

        Assert.True(h.Factory.PeakOpenWriters <= Limit);
        Assert.True(h.Factory.EvictedWriters >= Tables, "tables beyond the limit had their files closed for room");
        Assert.Equal(0, h.Factory.OpenWriters);
        Assert.Empty(await h.StagedKeysAsync());
        // Every row is published once: spot-check a few tables row by row.
        foreach (var t in new[] { 0, 499, 999 })
        {
            var rows = await h.ReadRowsAsync($"public.t{t}");
            Assert.Equal(3 * Rounds, rows.Count);
            Assert.Equal(rows.Select(r => (long)r["id"]!).Distinct().Count(), rows.Count);
            Assert.All(rows, r => Assert.Equal(new string('b', 100), r["b"]));
        }
    }

    [Fact]
    public async Task Writers_wait_for_a_free_slot_when_every_open_file_is_busy()
    {
        // One slot, four tables writing at once, each batch spread over two partitions (commit dates).
        await using var h = new SinkHarness(local => new ParquetSinkSettings("file:///x", localDirectory: local, maxOpenWriters: 1),
            commitTimeOf: lsn => new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(lsn.Value / 16 % 2));
        var sinks = Enumerable.Range(0, 4).Select(t => h.Sink($"public.w{t}")).ToArray();
        long position = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            var sink = sinks[i % 4];
            // Calls to one table sink never overlap (one SinkWriter per table), and come in position order.
            await using var _ = await TableLock(sink);
            var at = Interlocked.Add(ref position, 2);
            Core.Changes.RowChange[] changes = [Insert(At(at - 1), (at - 1).ToString(), "1", "x", null, null), Insert(At(at), at.ToString(), "2", "y", null, null)];
            await sink.ApplyAsync(Wide, changes, changes[^1].Position, ct);
            Assert.True(h.Factory.OpenWriters <= 1);
        });
        foreach (var sink in sinks) await sink.CommitAsync(await sink.PrepareAsync(At(position), h.Deadline), h.Deadline);

        Assert.Equal(1, h.Factory.PeakOpenWriters);
        var ids = new List<long>();
        foreach (var t in Enumerable.Range(0, 4)) ids.AddRange((await h.ReadRowsAsync($"public.w{t}")).Select(r => (long)r["id"]!));
        Assert.Equal(Enumerable.Range(1, 400).Select(i => (long)i), ids.Order());
    }

    private static readonly Dictionary<ParquetTableSink, SemaphoreSlim> Locks = [];

    private static async Task<IAsyncDisposable> TableLock(ParquetTableSink sink)
    {
        SemaphoreSlim gate;
        lock (Locks)
        {
            if (!Locks.TryGetValue(sink, out gate!)) Locks[sink] = gate = new SemaphoreSlim(1, 1);
        }
        await gate.WaitAsync();
        return new Releaser(gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            gate.Release();
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task The_least_recently_written_file_is_closed_first_and_stays_unpublished_until_the_checkpoint()
    {
        await using var h = new SinkHarness(local => new ParquetSinkSettings("file:///x", localDirectory: local, maxOpenWriters: 2));
        var a = h.Sink("public.a");
        var b = h.Sink("public.b");
        var c = h.Sink("public.c");
        string?[] row(long i) => [i.ToString(), "1", "x", null, null];
        await a.ApplyAsync(Wide, [Insert(At(1), row(1))], At(1), h.Deadline);
        await b.ApplyAsync(Wide, [Insert(At(2), row(2))], At(2), h.Deadline);
        await a.ApplyAsync(Wide, [Insert(At(3), row(3))], At(3), h.Deadline);
        // b is now the least recently used: c's file takes its place.
        await c.ApplyAsync(Wide, [Insert(At(4), row(4))], At(4), h.Deadline);
        Assert.Equal(2, h.Factory.OpenWriters);
        Assert.Equal(1, h.Factory.EvictedWriters);
        Assert.Empty(await h.PublishedKeysAsync());

        // b stages its closed file at its next call; a keeps writing its open one.
        await b.ApplyAsync(Wide, [Insert(At(5), row(5))], At(5), h.Deadline);
        Assert.Contains(await h.StagedKeysAsync(), k => k.StartsWith("_staging/shop/public.b/", StringComparison.Ordinal));
        await a.ApplyAsync(Wide, [Insert(At(6), row(6))], At(6), h.Deadline);
        Assert.Empty(await h.PublishedKeysAsync());

        foreach (var s in new[] { a, b, c }) await s.CommitAsync(await s.PrepareAsync(At(6), h.Deadline), h.Deadline);
        Assert.Equal([1L, 3, 6], (await h.ReadRowsAsync("public.a")).Select(r => (long)r["id"]!));
        Assert.Equal([2L, 5], (await h.ReadRowsAsync("public.b")).Select(r => (long)r["id"]!));
        Assert.Equal(2, (await h.ReadTableAsync("public.b")).Count);
        Assert.Equal([4L], (await h.ReadRowsAsync("public.c")).Select(r => (long)r["id"]!));
    }
}
