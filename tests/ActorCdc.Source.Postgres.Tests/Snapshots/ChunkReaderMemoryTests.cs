using ActorCdc.Core.Schema;
using ActorCdc.Source.Postgres.Snapshots;
using ActorCdc.Testing;
using Xunit;

namespace ActorCdc.Source.Postgres.Tests.Snapshots;

/// <summary>Reading a large chunk holds one batch at a time, not the chunk.</summary>
[Collection(SerialSnapshotCollection.Name)]
public class ChunkReaderMemoryTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    private const long Bound = 32L * 1024 * 1024;

    [Fact]
    public async Task A_500k_row_chunk_read_in_1000_row_batches_keeps_the_managed_heap_bounded()
    {
        await using var db = await SnapshotDatabase.CreateAsync(pg.Server, """
            CREATE TABLE bench (id bigserial PRIMARY KEY, a int, b text, c timestamptz, d numeric(12,2));
            INSERT INTO bench (a, b, c, d)
              SELECT g, repeat(md5(g::text), 4)::char(100), now(), (g % 100000) / 100.0 FROM generate_series(1, 500000) g;
            """);
        var table = new TableId("public", "bench");
        var key = await db.Splitter.DescribeKeyAsync(table, db.Deadline);
        var schema = await db.Splitter.ReadSchemaAsync(table, db.Deadline);
        var reader = await db.ReaderAsync();

        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0, rows = 0, bytes = 0;
        var batches = 0;
        var result = await reader.ReadAsync(key, schema, ChunkRange.All, 1000, (batch, _) =>
        {
            rows += batch.Count;
            foreach (var row in batch)
                foreach (var v in row) bytes += v.Text?.Length ?? 0;
            // Live objects only: a full collection every 50 batches while this batch is still held.
            if (++batches % 50 == 0) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            return ValueTask.CompletedTask;
        }, db.Deadline);

        Assert.Equal(500_000, result.Rows);
        Assert.Equal(500_000, rows);
        Assert.Equal(500, batches);
        // The chunk's text alone is ~2 bytes per char; holding it would need far more than the bound.
        Assert.True(bytes * 2 > 4 * Bound, $"the chunk is too small to prove anything: {bytes} chars");
        Assert.True(peak < Bound, $"live managed heap grew by {peak / 1024 / 1024} MiB while reading; expected at most one batch (< {Bound / 1024 / 1024} MiB)");
        Assert.Equal(64 * 1024, reader.DecoderBufferSize);
    }
}
