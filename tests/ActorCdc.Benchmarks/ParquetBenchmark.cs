using System.Diagnostics;
using System.Globalization;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Storage;
using ActorCdc.Sink.Files;
using Parquet;
using Parquet.Schema;

namespace ActorCdc.Benchmarks;

/// <summary>
/// The Parquet group of <c>bench sinks</c> (<c>--only parquet</c>): N default-shape rows (<c>id bigint, a int, b text(100), c timestamptz, d numeric(12,2)</c>) in
/// 1000-row transactions, written as Parquet files into a directory store — by Parquet.Net alone from values already
/// typed in memory (the baseline: the library's own ceiling), and through the Parquet sink from PostgreSQL's text with
/// a checkpoint (prepare + commit) every 100 transactions and at the end. Same compression (snappy), same disk.
/// </summary>
public static class ParquetBenchmark
{
    private const int TransactionRows = 1000;
    private const int TransactionsPerCheckpoint = 100;
    private const int BaselineRowGroupRows = 64 * 1024;

    private static readonly TableSchema Shape = new(new TableId("public", "bench"), 1,
    [
        new ColumnSchema("id", 20, -1, "bigint", 'b', true),
        new ColumnSchema("a", 23, -1, "integer", 'b', false),
        new ColumnSchema("b", 25, -1, "text", 'b', false),
        new ColumnSchema("c", 1184, -1, "timestamp with time zone", 'b', false),
        new ColumnSchema("d", 1700, ((12 << 16) | 2) + 4, "numeric(12,2)", 'b', false),
    ], ReplicaIdentity.Default);

    /// <summary>Runs both variants and adds them, their ratio, figures and notes to <paramref name="report"/>.</summary>
    public static async Task AddVariantsAsync(BenchReport report, long rows)
    {
        var root = Path.Combine(Path.GetTempPath(), "actorcdc-bench-parquet-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            Console.WriteLine($"generating {rows:N0} changes...");
            var transactions = Generate(rows);
            GC.Collect();

            var (baseline, baselineAllocated) = await RunParquetNetAsync(transactions, Path.Combine(root, "baseline"));
            report.Variant("parquet_net", baseline);
            report.Figure("parquet_net", "allocated_bytes_per_row", Math.Round(baselineAllocated / (double)rows, 1));

            var (seconds, allocated, files, bytes) = await RunSinkAsync(transactions, rows, root);
            report.Variant("parquet_sink", seconds);
            report.Ratio("parquet_sink", "parquet_net");
            report.Figure("parquet_sink", "allocated_bytes_per_row", Math.Round(allocated / (double)rows, 1));
            report.Figure("parquet_sink", "files", files);
            report.Figure("parquet_sink", "file_mib", Math.Round(bytes / 1048576.0, 1));
            report.Note("parquet_shape", "id bigint, a int, b text(100), c timestamptz, d numeric(12,2) as the streaming benchmark loads them (a, b, d from g in 1..1000 per transaction, c the transaction's time); 1000-row transactions; values as PostgreSQL text");
            report.Note("parquet_sink", $"ParquetTableSink.ApplyAsync per transaction into a FileObjectStore on local disk, prepare + commit every {TransactionsPerCheckpoint * TransactionRows:N0} rows and at the end (stage + publish: two fsynced copies of each file); snappy; allocations by GC.GetTotalAllocatedBytes over the whole run, Parquet.Net's encoding included");
            report.Note("parquet_net", "Parquet.Net 6.1.0 writing the same values from typed arrays parsed beforehand, row groups of 64Ki rows, one file, no CDC columns, no staging");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The rows the streaming benchmark's load produces: g in 1..1000 per transaction, b = repeat(md5(g), 4)::char(100).</summary>
    private static RowChange[][] Generate(long rows)
    {
        var a = new string[TransactionRows + 1];
        var b = new string[TransactionRows + 1];
        var d = new string[TransactionRows + 1];
        for (var g = 1; g <= TransactionRows; g++)
        {
            var md5 = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.ASCII.GetBytes(g.ToString(CultureInfo.InvariantCulture))));
            a[g] = g.ToString(CultureInfo.InvariantCulture);
            b[g] = string.Concat(md5, md5, md5, md5)[..100];
            d[g] = (g % 100000 / 100.0m).ToString("0.00", CultureInfo.InvariantCulture);
        }
        var transactions = new RowChange[(int)((rows + TransactionRows - 1) / TransactionRows)][];
        var start = new DateTime(2024, 3, 1, 10, 0, 0, DateTimeKind.Utc);
        long id = 0;
        for (var t = 0; t < transactions.Length; t++)
        {
            var n = (int)Math.Min(TransactionRows, rows - id);
            var lsn = new Lsn(0x1_0000_0000UL + (ulong)t * 0x10000);
            var c = start.AddTicks(t * 12_345_670L).ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00";
            var changes = new RowChange[n];
            for (var i = 0; i < n; i++)
            {
                id++;
                var g = i + 1;
                changes[i] = new RowChange(ChangeKind.Insert, new SourcePosition(lsn, i),
                [
                    ColumnValue.FromText(id.ToString(CultureInfo.InvariantCulture)),
                    ColumnValue.FromText(a[g]), ColumnValue.FromText(b[g]), ColumnValue.FromText(c), ColumnValue.FromText(d[g]),
                ], null);
            }
            transactions[t] = changes;
        }
        return transactions;
    }

    private static async Task<(double Seconds, long Allocated, int Files, long Bytes)> RunSinkAsync(RowChange[][] transactions, long rows, string root)
    {
        var lake = Path.Combine(root, "lake");
        var store = new FileObjectStore(lake);
        var settings = new ParquetSinkSettings("file://" + lake, localDirectory: Path.Combine(root, "local"));
        await using var factory = new ParquetSinkFactory("bench", settings, store);
        await using var sink = (ParquetTableSink)factory.CreateTableSink(Shape.Table, Shape.Table);
        await sink.RecoverAsync(null, CancellationToken.None);

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var sw = Stopwatch.StartNew();
        for (var t = 0; t < transactions.Length; t++)
        {
            var changes = transactions[t];
            await sink.ApplyAsync(Shape, changes, changes[^1].Position, CancellationToken.None);
            if ((t + 1) % TransactionsPerCheckpoint == 0 || t == transactions.Length - 1)
            {
                var token = await sink.PrepareAsync(changes[^1].Position, CancellationToken.None);
                await sink.CommitAsync(token, CancellationToken.None);
            }
        }
        sw.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        // Every row is published once: count them from the files' footers.
        var files = await store.ListAsync("public.bench/", CancellationToken.None);
        long published = 0;
        long bytes = 0;
        foreach (var file in files)
        {
            bytes += file.Size;
            await using var reader = await ParquetReader.CreateAsync(Path.Combine(lake, file.Key));
            for (var g = 0; g < reader.RowGroupCount; g++) published += reader.OpenRowGroupReader(g).RowCount;
        }
        if (published != rows) throw new InvalidOperationException($"the sink published {published} rows, expected {rows}");
        if ((await store.ListAsync(settings.StagingPrefix + "/", CancellationToken.None)).Count != 0)
            throw new InvalidOperationException("staged files are left after the last commit");
        Console.WriteLine($"parquet_sink: {files.Count} files, {published:N0} rows, {bytes / 1048576.0:0.0} MiB");
        return (sw.Elapsed.TotalSeconds, allocated, files.Count, bytes);
    }

    /// <summary>The baseline: the same values, parsed beforehand, written by Parquet.Net in row groups of 64Ki rows.</summary>
    private static async Task<(double Seconds, long Allocated)> RunParquetNetAsync(RowChange[][] transactions, string directory)
    {
        Directory.CreateDirectory(directory);
        var rows = 0;
        foreach (var t in transactions) rows += t.Length;
        var ids = new long[rows];
        var a = new int[rows];
        var b = new ReadOnlyMemory<char>[rows];
        var c = new DateTime[rows];
        var d = new decimal[rows];
        var r = 0;
        foreach (var t in transactions)
        {
            foreach (var change in t)
            {
                var v = change.New!;
                ids[r] = long.Parse(v[0].Text!, CultureInfo.InvariantCulture);
                a[r] = int.Parse(v[1].Text!, CultureInfo.InvariantCulture);
                b[r] = v[2].Text!.AsMemory();
                c[r] = DateTime.SpecifyKind(DateTime.ParseExact(v[3].Text![..^3], "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture), DateTimeKind.Utc);
                d[r] = decimal.Parse(v[4].Text!, CultureInfo.InvariantCulture);
                r++;
            }
        }
        var idField = new DataField<long>("id", false);
        var aField = new DataField<int>("a", false);
        var bField = new DataField<string>("b", false);
        var cField = new DateTimeDataField("c", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);
        var dField = new DecimalDataField("d", 12, 2, false, false);
        var schema = new ParquetSchema(idField, aField, bField, cField, dField);

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var sw = Stopwatch.StartNew();
        await using (var stream = File.Create(Path.Combine(directory, "baseline.parquet")))
        {
            await using var writer = await ParquetWriter.CreateAsync(schema, stream, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy });
            for (var start = 0; start < rows; start += BaselineRowGroupRows)
            {
                var n = Math.Min(BaselineRowGroupRows, rows - start);
                using var rowGroup = writer.CreateRowGroup();
                await rowGroup.WriteAsync<long>(idField, ids.AsMemory(start, n));
                await rowGroup.WriteAsync<int>(aField, a.AsMemory(start, n));
                await rowGroup.WriteAsync<ReadOnlyMemory<char>>(bField, b.AsMemory(start, n));
                await rowGroup.WriteAsync<DateTime>(cField, c.AsMemory(start, n));
                await rowGroup.WriteAsync<decimal>(dField, d.AsMemory(start, n));
            }
        }
        sw.Stop();
        return (sw.Elapsed.TotalSeconds, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
    }
}
