using System.Diagnostics;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Sink.Postgres.Tests.Support;
using ActorCdc.Testing;
using Xunit;
using Xunit.Abstractions;

namespace ActorCdc.Sink.Postgres.Tests;

/// <summary>
/// Every batch strategy writes the same rows from the same batches; prints how long each took per batch
/// (run with <c>--logger "console;verbosity=detailed"</c>). Tests never assert on time.
/// </summary>
public class BatchStrategyComparisonTests(PostgresFixture pg, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private static readonly PostgresBatchStrategy[] Strategies =
        [PostgresBatchStrategy.Unnest, PostgresBatchStrategy.CopyMerge, PostgresBatchStrategy.MultiRowInsert];

    [Fact]
    public async Task Every_strategy_writes_the_same_rows_from_1000_and_10_change_batches()
    {
        // The default row shape of DESIGN.md §8.
        var schema = TestSchemas.Table("public.bench", "id bigint key", "a integer", "b text", "c timestamp with time zone", "d numeric(12,2)");
        var harnesses = new SinkHarness[Strategies.Length];
        var sinks = new ITableSink[Strategies.Length];
        for (var s = 0; s < Strategies.Length; s++)
        {
            harnesses[s] = await SinkHarness.StartAsync(pg.Server, Strategies[s]);
            sinks[s] = harnesses[s].SinkFor(schema);
        }
        try
        {
            var lsn = 0x1000UL;
            // Warm-up: table creation, connection pool, JIT.
            await RunAsync(schema, sinks, Batch(ref lsn, 100, i => Change(ChangeKind.Insert, 10_000_000 + i, i)), new double[Strategies.Length][], 0);

            await PhaseAsync("1000 inserts", 20, 1000, (b, i) => Change(ChangeKind.Insert, b * 1000L + i, i));
            await PhaseAsync("1000 updates", 20, 1000, (b, i) => Change(ChangeKind.Update, b * 1000L + i, i + 1));
            await PhaseAsync("1000 mixed (70% update, 20% insert, 10% delete)", 20, 1000, (b, i) => Mixed(b * 1000L + i, 1_000_000 + b * 1000L + i, i));
            await PhaseAsync("10 mixed (70% update, 20% insert, 10% delete)", 60, 10, (b, i) => Mixed(20_000 + b * 10L + i, 2_000_000 + b * 10L + i, i));

            const string all = "SELECT * FROM public.bench ORDER BY id";
            var expected = await harnesses[0].RowsAsync(all);
            for (var s = 1; s < Strategies.Length; s++)
            {
                var actual = await harnesses[s].RowsAsync(all);
                Assert.Equal(expected.Count, actual.Count);
                for (var i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i]);
            }

            async Task PhaseAsync(string name, int batches, int size, Func<int, int, RowChange> make)
            {
                var times = new double[Strategies.Length][];
                for (var s = 0; s < Strategies.Length; s++) times[s] = new double[batches];
                for (var b = 0; b < batches; b++)
                    await RunAsync(schema, sinks, Batch(ref lsn, size, i => make(b, i)), times, b);
                var line = $"{name}:";
                for (var s = 0; s < Strategies.Length; s++)
                    line += $" {Strategies[s]} {Median(times[s]):0.00} ms/batch ({size / Median(times[s]) * 1000:0} rows/s);";
                output.WriteLine(line);
            }
        }
        finally
        {
            foreach (var h in harnesses) await h.DisposeAsync();
        }
    }

    /// <summary>Applies the batch with every strategy, rotating which goes first so that noise of the shared machine spreads evenly.</summary>
    private static async Task RunAsync(TableSchema schema, ITableSink[] sinks, List<RowChange> batch, double[][] times, int round)
    {
        for (var n = 0; n < sinks.Length; n++)
        {
            var s = (n + round) % sinks.Length;
            var watch = Stopwatch.StartNew();
            await SinkHarness.ApplyAsync(sinks[s], schema, batch, batch[^1].Position);
            if (times[s] is not null) times[s][round] = watch.Elapsed.TotalMilliseconds;
        }
    }

    private static List<RowChange> Batch(ref ulong lsn, int size, Func<int, RowChange> make)
    {
        var batch = new List<RowChange>(size);
        for (var i = 0; i < size; i++)
        {
            var c = make(i);
            batch.Add(new RowChange(c.Kind, new SourcePosition(new Lsn(lsn), i), c.New, c.Old));
        }
        lsn += 0x100;
        return batch;
    }

    private static RowChange Mixed(long existing, long fresh, int i) => (i % 10) switch
    {
        0 => Change(ChangeKind.Delete, existing, 0),
        1 or 2 => Change(ChangeKind.Insert, fresh, i),
        _ => Change(ChangeKind.Update, existing, i + 2),
    };

    private static RowChange Change(ChangeKind kind, long id, int version)
    {
        if (kind == ChangeKind.Delete)
            return new RowChange(kind, default, null, Row.Of(id, ColumnValue.Absent, ColumnValue.Absent, ColumnValue.Absent, ColumnValue.Absent));
        var b = new string((char)('a' + (int)(id % 26)), 90) + version.ToString("D10");
        var row = Row.Of(id, version, b, $"2024-01-01 00:00:{id % 60:00}.{id % 1000:000}+00", $"{id % 100000}.{version % 100:00}");
        return new RowChange(kind, default, row, null);
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }
}
