using System.Diagnostics;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Schema;
using ActorCdc.Source.Postgres.Snapshots;
using ActorCdc.Testing;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace ActorCdc.Source.Postgres.Tests.Snapshots;

/// <summary>
/// Prints rows/s of reading 1M default-shape rows in one chunk: ChunkReader (each decoding), against psql's binary
/// COPY to /dev/null and raw Npgsql binary export, all over TCP in the same run. Prints only; never asserts on time.
/// </summary>
[Collection(SerialSnapshotCollection.Name)]
public class ChunkReaderFigures(PostgresFixture pg, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const int Rows = 1_000_000;

    // The query ChunkReader sends for this table, spelled out for psql and raw Npgsql.
    private const string TextQuery =
        "SELECT pg_catalog.textin(pg_catalog.int8out(id)), pg_catalog.textin(pg_catalog.int4out(a)), b, " +
        "pg_catalog.textin(pg_catalog.timestamptz_out(c)), pg_catalog.textin(pg_catalog.numeric_out(d)) FROM ONLY bench WHERE TRUE ORDER BY id";

    private sealed record Figure(string Name, double Seconds, double ClientCpuSeconds, double BytesPerRow, string Note);

    [Fact]
    public async Task Chunk_read_throughput_against_psql_copy_and_raw_npgsql_export()
    {
        await using var db = await SnapshotDatabase.CreateAsync(pg.Server, $"""
            CREATE TABLE bench (id bigserial PRIMARY KEY, a int, b text, c timestamptz, d numeric(12,2));
            INSERT INTO bench (a, b, c, d)
              SELECT g, repeat(md5(g::text), 4)::char(100), now(), (g % 100000) / 100.0 FROM generate_series(1, {Rows}) g;
            """, TimeSpan.FromSeconds(120));
        // Hint bits and visibility map set once, so no variant pays for them.
        await db.ExecuteAsync("VACUUM ANALYZE bench");
        var table = new TableId("public", "bench");
        var key = await db.Splitter.DescribeKeyAsync(table, db.Deadline);
        var schema = await db.Splitter.ReadSchemaAsync(table, db.Deadline);
        var reader = await db.ReaderAsync();
        var warm = new ChunkRange(null, new KeyValue("200001"));
        await using var raw = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(db.SessionConnectionString) { ReadBufferSize = 64 * 1024 }.ConnectionString);
        await raw.OpenAsync(db.Deadline);

        // Warm-up: the table in shared buffers, psql in the page cache, every hot path through tiered JIT to its final
        // code (200k rows each), as in a node that has been reading for a while.
        Psql(db, "COPY bench TO STDOUT (FORMAT binary)");
        await TypedExportAsync(raw, "COPY (SELECT * FROM bench WHERE id <= 200000) TO STDOUT (FORMAT binary)", db.Deadline);
        await TextExportAsync(raw, $"COPY ({TextQuery.Replace("TRUE", "id <= 200000")}) TO STDOUT (FORMAT binary)", db.Deadline);
        foreach (var decoding in new[] { CopyDecoding.Raw, CopyDecoding.RawAsync, CopyDecoding.Export })
        {
            reader.Decoding = decoding;
            await reader.ReadAsync(key, schema, warm, 1000, (_, _) => ValueTask.CompletedTask, db.Deadline);
        }

        // One run each, psql first and last so drift on this shared machine shows. ExportAsync is left out: measured
        // separately it did no better than Export.
        var variants = new List<(string Name, string Note, Func<Task<Figure>> Run)>
        {
            ("psql COPY bench TO STDOUT (FORMAT binary)", "baseline: typed binary, seq scan",
                () => Task.FromResult(PsqlFigure(db, "COPY bench TO STDOUT (FORMAT binary)"))),
            ("psql COPY (chunk query) TO STDOUT (FORMAT binary)", "server cost of a chunk read",
                () => Task.FromResult(PsqlFigure(db, $"COPY ({TextQuery}) TO STDOUT (FORMAT binary)"))),
            ("Npgsql BeginBinaryExport typed, sync Read<T>", "raw Npgsql, whole table",
                () => MeasureAsync(() => TypedExportAsync(raw, "COPY bench TO STDOUT (FORMAT binary)", db.Deadline))),
            ("Npgsql BeginBinaryExport chunk query, Read<string>", "raw Npgsql, same query",
                () => MeasureAsync(() => TextExportAsync(raw, $"COPY ({TextQuery}) TO STDOUT (FORMAT binary)", db.Deadline))),
        };
        foreach (var decoding in new[] { CopyDecoding.Raw, CopyDecoding.RawAsync, CopyDecoding.Export })
            variants.Add(($"ChunkReader {decoding}", decoding == CopyDecoding.Export ? "the default" : "", () => ReadChunkAsync(decoding)));
        variants.Add(("psql COPY bench TO STDOUT (FORMAT binary), again", "baseline drift",
            () => Task.FromResult(PsqlFigure(db, "COPY bench TO STDOUT (FORMAT binary)"))));
        Task<Figure> ReadChunkAsync(CopyDecoding decoding)
        {
            reader.Decoding = decoding;
            return MeasureAsync(async () => (await reader.ReadAsync(key, schema, ChunkRange.All, 1000, (_, _) => ValueTask.CompletedTask, db.Deadline)).Rows);
        }

        var figures = new List<Figure>();
        foreach (var (name, note, run) in variants) figures.Add(await run() with { Name = name, Note = note });
        reader.Decoding = CopyDecoding.Export;

        var build = typeof(ChunkReader).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false) is [DebuggableAttribute { IsJITOptimizerDisabled: true }] ? "Debug" : "Release";
        var baseline = figures[0].Seconds;
        var sameQuery = figures[1].Seconds;
        output.WriteLine($"{Rows:N0} rows (id bigserial, a int, b text(100), c timestamptz, d numeric(12,2)), one chunk, 1000-row batches, TCP 127.0.0.1, {build} build, load average {LoadAverage()}");
        output.WriteLine($"{"variant",-52} {"seconds",8} {"rows/s",11} {"vs psql",8} {"vs psql q",9} {"client cpu",10} {"B/row",6}  note");
        foreach (var f in figures)
            output.WriteLine($"{f.Name,-52} {f.Seconds,8:0.000} {Rows / f.Seconds,11:N0} {baseline / f.Seconds,8:0.00} {sameQuery / f.Seconds,9:0.00} {f.ClientCpuSeconds,10:0.000} {f.BytesPerRow,6:0}  {f.Note}");
    }

    private static async Task<Figure> MeasureAsync(Func<Task<long>> run)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var sw = Stopwatch.StartNew();
        var rows = await run();
        sw.Stop();
        process.Refresh();
        Assert.Equal(Rows, rows);
        return new Figure("", sw.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu).TotalSeconds,
            (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Rows, "");
    }

    // psql's own CPU time is not readable once it has exited: not shown.
    private static Figure PsqlFigure(SnapshotDatabase db, string command) => new("", Psql(db, command), double.NaN, double.NaN, "");

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private static double Psql(SnapshotDatabase db, string command)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in new[] { "-c", "exec \"$0\" \"$@\" > /dev/null", Path.Combine(db.Server.BinDir, "psql"),
                     "-X", "-h", "127.0.0.1", "-p", db.Server.Port.ToString(), "-U", PostgresServer.SuperUser, "-d", db.Database, "-c", command })
            psi.ArgumentList.Add(a);
        psi.Environment["PGPASSWORD"] = PostgresServer.Password;
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        sw.Stop();
        Assert.True(p.ExitCode == 0, $"psql failed: {err}");
        return sw.Elapsed.TotalSeconds;
    }

    private static async Task<long> TypedExportAsync(NpgsqlConnection conn, string copy, CancellationToken ct)
    {
        long rows = 0, sum = 0;
        await using (var export = await conn.BeginBinaryExportAsync(copy, ct))
        {
            while (export.StartRow() != -1)
            {
                sum += export.Read<long>() + export.Read<int>() + export.Read<string>().Length;
                sum += export.Read<DateTime>().Ticks & 1;
                sum += (long)export.Read<decimal>();
                rows++;
            }
        }
        Assert.NotEqual(0, sum);
        return rows;
    }

    private static async Task<long> TextExportAsync(NpgsqlConnection conn, string copy, CancellationToken ct)
    {
        long rows = 0;
        await using (var export = await conn.BeginBinaryExportAsync(copy, ct))
        {
            while (export.StartRow() != -1)
            {
                var row = new ColumnValue[5];
                for (var i = 0; i < row.Length; i++) row[i] = ColumnValue.FromText(export.Read<string>());
                rows++;
            }
        }
        return rows;
    }
}
