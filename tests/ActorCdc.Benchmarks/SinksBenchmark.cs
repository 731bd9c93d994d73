using System.Diagnostics;
using System.Globalization;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Sink.StarRocks;
using ActorCdc.Sink.StarRocks.Ddl;
using ActorCdc.Sink.StarRocks.Json;
using ActorCdc.Sink.StarRocks.Loads;
using Akka.Configuration;

namespace ActorCdc.Benchmarks;

/// <summary>
/// <c>bench sinks</c>: N default-shape rows (<c>id bigint, a int, b text(100), c timestamptz, d numeric(12,2)</c>, as
/// PostgreSQL text) through the sinks: <c>starrocks_encode</c>, the StarRocks sink's JSON encoder alone (LoadPlanner into
/// pooled buffers, the ceiling the sink can feed Stream Load) with its allocations per row; <c>starrocks_load</c>, the
/// table sink's ApplyAsync into the StarRocks test double over loopback HTTP (FE 307 → BE, 100-continue, the double parsing
/// and applying every row, in process); then each further group in <see cref="Groups"/> (Parquet).
/// </summary>
public static class SinksBenchmark
{
    /// <summary>Rows per ApplyAsync: what one engine write hands the sink (each becomes one Stream Load).</summary>
    private const int WriteRows = 100_000;

    private static readonly TableSchema Shape = new(new TableId("public", "bench"), 1,
    [
        new ColumnSchema("id", 20, -1, "bigint", 'b', true),
        new ColumnSchema("a", 23, -1, "integer", 'b', false),
        new ColumnSchema("b", 25, -1, "text", 'b', false),
        new ColumnSchema("c", 1184, -1, "timestamp with time zone", 'b', false),
        new ColumnSchema("d", 1700, ((12 << 16) | 2) + 4, "numeric(12,2)", 'b', false),
    ], ReplicaIdentity.Default);

    /// <summary>Each group adds its variants, ratios and notes to the shared report; a new sink adds a line here.</summary>
    private static readonly (string Name, Func<BenchReport, long, Task> AddAsync)[] Groups =
    [
        ("starrocks", AddStarRocksAsync),
        ("parquet", ParquetBenchmark.AddVariantsAsync),
    ];

    public static async Task<int> RunAsync(long rows, string repoRoot, string? only = null)
    {
        var report = new BenchReport("sinks", rows, "in-process; StarRocks over loopback HTTP to the test double");
        foreach (var (name, addAsync) in Groups)
        {
            if (only is not null && only != name) continue;
            Console.WriteLine($"== {name}");
            await addAsync(report, rows);
            GC.Collect();
        }
        report.Print();
        Console.WriteLine($"wrote {report.Write(repoRoot)}");
        return 0;
    }

    private static async Task AddStarRocksAsync(BenchReport report, long rows)
    {
        Console.WriteLine($"generating {rows:N0} changes...");
        var writes = Generate(rows);
        GC.Collect();

        var (encodeSeconds, allocated, jsonBytes) = await EncodeAsync(writes);
        report.Variant("starrocks_encode", encodeSeconds);
        report.Figure("starrocks_encode", "allocated_bytes_per_row", Math.Round(allocated / (double)rows, 2));
        report.Figure("starrocks_encode", "json_bytes_per_row", Math.Round(jsonBytes / (double)rows, 1));
        report.Figure("starrocks_encode", "mib_per_s", Math.Round(jsonBytes / 1048576.0 / encodeSeconds, 1));

        var loadSeconds = await LoadAsync(writes, rows);
        report.Variant("starrocks_load", loadSeconds, PeakRss.Read());
        report.Figure("starrocks_load", "mib_per_s", Math.Round(jsonBytes / 1048576.0 / loadSeconds, 1));
        report.Ratio("starrocks_load", "starrocks_encode");
        report.Note("starrocks_shape", $"id bigint, a int, b text(100), c timestamptz, d numeric(12,2); values as PostgreSQL text; {WriteRows:N0} rows per ApplyAsync (one Stream Load each)");
        report.Note("starrocks_encode", "LoadPlanner + PgValueWriter + Utf8JsonWriter into pooled segments, no I/O; allocations by GC.GetAllocatedBytesForCurrentThread over the whole run");
        report.Note("starrocks_load", "StarRocksTableSink.ApplyAsync into the in-process double (CREATE TABLE included; the double's JSON parsing and row store dominate); peak RSS includes the generated changes and the double's table");
    }

    private static async Task<(double Seconds, long Allocated, long JsonBytes)> EncodeAsync(IReadOnlyList<RowChange>[] writes)
    {
        var settings = new StarRocksSinkSettings();
        var columns = new EncodedColumn[Shape.Columns.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            var m = StarRocksTypeMapping.Map(Shape.Columns[i], settings);
            columns[i] = new EncodedColumn(Shape.Columns[i].Name, i, Shape.Columns[i].IsKey, m.Encoding, m.ElementEncoding, m.MaxIntegerDigits);
        }
        var table = new TargetTable("analytics", "bench", Shape, columns);
        using var planner = new LoadPlanner(settings.Unrepresentable, settings.MaxBatchRows, settings.MaxBatchBytes);
        var sink = new ByteCounter();
        // Warm-up: JIT and the first buffer segments.
        await planner.PlanAsync(table, writes[0], sink, CancellationToken.None);
        sink.Bytes = 0;

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        foreach (var write in writes)
        {
            // The target completes at once, so planning runs synchronously on this thread: the allocation count is complete.
            var run = planner.PlanAsync(table, write, sink, CancellationToken.None);
            if (!run.IsCompletedSuccessfully) throw new InvalidOperationException("encoding did not complete synchronously");
        }
        clock.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Console.WriteLine($"encoded {sink.Bytes / 1048576.0:0.0} MiB of JSON in {clock.Elapsed.TotalSeconds:0.00}s");
        return (clock.Elapsed.TotalSeconds, allocated, sink.Bytes);
    }

    private static async Task<double> LoadAsync(IReadOnlyList<RowChange>[] writes, long rows)
    {
        await using var sr = await StarRocksDouble.StarRocksDouble.StartAsync();
        var settings = StarRocksSinkSettings.FromConfig(ConfigurationFactory.ParseString($"""
            load-url = "{sr.LoadUrl}", jdbc-url = "{sr.JdbcUrl}", database = analytics
            username = "{sr.User}", password = "{sr.Password}", label-prefix = bench, min-load-interval = 0s
            """));
        await using var factory = new StarRocksSinkFactory("bench", settings);
        await factory.ValidateAsync(CancellationToken.None);
        await using var sink = factory.CreateTableSink(Shape.Table, Shape.Table);
        var clock = Stopwatch.StartNew();
        foreach (var write in writes)
            await sink.ApplyAsync(Shape, write, write[^1].Position, CancellationToken.None);
        clock.Stop();
        var loaded = sr.RowCount("analytics", "bench");
        if (loaded != rows) throw new InvalidOperationException($"the double holds {loaded} rows, expected {rows}");
        Console.WriteLine($"loaded {loaded:N0} rows into the double in {clock.Elapsed.TotalSeconds:0.00}s");
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Writes of <see cref="WriteRows"/> inserts; text values cycle through 1000 distinct ones to keep the heap small.</summary>
    private static IReadOnlyList<RowChange>[] Generate(long rows)
    {
        var texts = new string[1000];
        var stamps = new string[1000];
        var amounts = new string[1000];
        var start = new DateTime(2024, 3, 1, 10, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < texts.Length; i++)
        {
            texts[i] = string.Concat(Enumerable.Repeat(i.ToString("x8", CultureInfo.InvariantCulture), 13))[..100];
            stamps[i] = start.AddMilliseconds(i * 1234.567).ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00";
            amounts[i] = (i * 97 % 100000 / 100.0).ToString("0.00", CultureInfo.InvariantCulture);
        }
        var writes = new IReadOnlyList<RowChange>[(int)((rows + WriteRows - 1) / WriteRows)];
        long id = 0;
        for (var w = 0; w < writes.Length; w++)
        {
            var n = (int)Math.Min(WriteRows, rows - id);
            var changes = new RowChange[n];
            for (var r = 0; r < n; r++, id++)
            {
                var k = (int)(id % 1000);
                changes[r] = new RowChange(ChangeKind.Insert, new SourcePosition(new Lsn(0x1_0000_0000UL + (ulong)(id / 1000) * 0x10000), id % 1000),
                [
                    ColumnValue.FromText((id + 1).ToString(CultureInfo.InvariantCulture)), ColumnValue.FromText(((id * 7) % 100000).ToString(CultureInfo.InvariantCulture)),
                    ColumnValue.FromText(texts[k]), ColumnValue.FromText(stamps[k]), ColumnValue.FromText(amounts[k]),
                ], null);
            }
            writes[w] = changes;
        }
        return writes;
    }

    private sealed class ByteCounter : ILoadTarget
    {
        public long Bytes { get; set; }

        public Task LoadAsync(LoadGroup load, CancellationToken cancellationToken)
        {
            Bytes += load.Body.Length;
            return Task.CompletedTask;
        }

        public Task TruncateAsync(SourcePosition at, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
