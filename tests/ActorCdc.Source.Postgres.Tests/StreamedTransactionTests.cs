using ActorCdc.Core.Positions;
using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.Source.Postgres.Tests;

/// <summary>
/// Large transactions arrive in stream chunks (logical_decoding_work_mem = 64kB here) and are buffered per xid,
/// spilled beyond the memory budget, replayed on commit and dropped on abort.
/// </summary>
public class StreamedTransactionTests(PostgresFixture pg) : IClassFixture<PostgresFixture>, IDisposable
{
    private const long OneMiB = 1024 * 1024;
    private readonly string _spillDirectory = Path.Combine(Path.GetTempPath(), "actorcdc-spill-" + Guid.NewGuid().ToString("N")[..8]);

    private Task<SourceHarness> CreateAsync(long budget) =>
        SourceHarness.CreateAsync(pg.Server, "CREATE TABLE big (id int PRIMARY KEY, payload text);", ["big"],
            s => s with { StreamingMemoryBudgetBytes = budget, SpillDirectory = _spillDirectory });

    private string[] SpillFiles() => Directory.Exists(_spillDirectory) ? Directory.GetFiles(_spillDirectory) : [];

    [Fact]
    public async Task A_200k_row_transaction_streamed_in_chunks_spills_beyond_the_budget_and_replays_every_row_in_order()
    {
        await using var h = await CreateAsync(OneMiB);
        var stream = await h.OpenAsync();
        await h.ExecuteAsync("INSERT INTO big SELECT g, repeat(md5(g::text), 6) FROM generate_series(1, 200000) g");

        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var begun = Assert.IsType<TransactionBegun>(await h.NextAsync());
        // Replay is reading the spill file back now: it exists until the commit is emitted.
        Assert.NotEmpty(SpillFiles());
        // Unbounded, the 200k rows would hold well over 100 MB of strings here.
        var heldWhileBuffered = GC.GetTotalMemory(forceFullCollection: true) - baseline;

        long expectedId = 1;
        TransactionCommitted? committed = null;
        while (committed is null)
        {
            switch (await h.NextAsync())
            {
                case TableChanges t:
                    Assert.True(t.Batch.Changes.Count <= h.Settings.MaxBatchRows);
                    foreach (var change in t.Batch.Changes)
                    {
                        Assert.Equal(new SourcePosition(begun.CommitLsn, expectedId - 1), change.Position);
                        Assert.Equal(expectedId.ToString(), change.New![0].Text);
                        expectedId++;
                    }
                    break;
                case TransactionCommitted c:
                    committed = c;
                    break;
                case var other:
                    Assert.Fail($"unexpected {other}");
                    break;
            }
        }

        Assert.Equal(200001, expectedId);
        Assert.Equal(begun.CommitLsn, committed.CommitLsn);
        Assert.True(stream.StreamChunks > 10, $"only {stream.StreamChunks} stream chunks");
        Assert.True(stream.SpilledBytes > 50 * OneMiB, $"only {stream.SpilledBytes} bytes spilled");
        Assert.True(stream.PeakBufferedBytes <= OneMiB + 64 * 1024, $"held {stream.PeakBufferedBytes} bytes in memory");
        Assert.Equal(0, stream.BufferedBytes);
        Assert.True(heldWhileBuffered < 48 * OneMiB, $"managed heap grew by {heldWhileBuffered} bytes");
        Assert.Empty(SpillFiles());
    }

    [Fact]
    public async Task An_aborted_streamed_transaction_yields_nothing_and_leaves_no_spill_file()
    {
        await using var h = await CreateAsync(OneMiB);
        var stream = await h.OpenAsync();
        await h.ExecuteAsync("BEGIN; INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g; ROLLBACK;");
        await h.ExecuteAsync("INSERT INTO big VALUES (-1, 'after')");

        var t = await h.NextTransactionAsync();
        Assert.Equal(["-1"], t.Changes.Select(c => c.Change.New![0].Text));
        Assert.True(stream.StreamChunks > 0, "the aborted transaction was not streamed");
        Assert.Equal(0, stream.BufferedBytes);
        Assert.Empty(SpillFiles());
    }

    [Theory]
    [InlineData(OneMiB)]          // rolled-back subtransactions cut from the spill file
    [InlineData(64 * OneMiB)]     // ... and from memory
    public async Task Rolled_back_subtransactions_inside_a_streamed_transaction_are_dropped(long budget)
    {
        await using var h = await CreateAsync(budget);
        var stream = await h.OpenAsync();
        await h.ExecuteAsync("""
            BEGIN;
            INSERT INTO big SELECT g, repeat('a', 200) FROM generate_series(1, 5000) g;
            SAVEPOINT s1;
            INSERT INTO big SELECT g, repeat('b', 200) FROM generate_series(5001, 10000) g;
            ROLLBACK TO s1;
            INSERT INTO big SELECT g, repeat('c', 200) FROM generate_series(10001, 15000) g;
            SELECT pg_logical_emit_message(true, 'wm', 'kept');
            SAVEPOINT s2;
            INSERT INTO big SELECT g, repeat('d', 200) FROM generate_series(15001, 16000) g;
            SELECT pg_logical_emit_message(true, 'wm', 'rolled back');
            SAVEPOINT s3;
            INSERT INTO big SELECT g, repeat('e', 200) FROM generate_series(16001, 17000) g;
            RELEASE s3;
            ROLLBACK TO s2;
            SAVEPOINT s4;
            INSERT INTO big SELECT g, repeat('f', 200) FROM generate_series(17001, 18000) g;
            RELEASE s4;
            COMMIT;
            """);

        var t = await h.NextTransactionAsync();
        var ids = t.Changes.Select(c => int.Parse(c.Change.New![0].Text!)).ToList();
        var expected = Enumerable.Range(1, 5000).Concat(Enumerable.Range(10001, 5000)).Concat(Enumerable.Range(17001, 1000)).ToList();
        Assert.Equal(expected.Count, ids.Count);
        Assert.Equal(expected, ids);
        Assert.Equal(Enumerable.Range(0, ids.Count).Select(i => (long)i), t.Changes.Select(c => c.Change.Position.Index));
        var message = Assert.Single(t.Events.OfType<LogicalMessage>());
        Assert.Equal("kept"u8.ToArray(), message.Content);
        Assert.Equal(10000, t.Events.TakeWhile(e => e is not LogicalMessage).OfType<TableChanges>().Sum(b => b.Batch.Changes.Count));
        Assert.True(stream.StreamChunks > 1, "the transaction was not streamed");
        Assert.Equal(budget == OneMiB, stream.SpilledBytes > 0);
        Assert.Empty(SpillFiles());
    }

    public void Dispose()
    {
        if (Directory.Exists(_spillDirectory)) Directory.Delete(_spillDirectory, recursive: true);
    }
}
