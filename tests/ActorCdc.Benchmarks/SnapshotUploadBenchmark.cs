using System.Diagnostics;
using ActorCdc.Core.Storage;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using ActorCdc.Persistence.RocksDb.Storage;
using ActorCdc.Testing;

namespace ActorCdc.Benchmarks;

/// <summary>
/// <c>bench snapshot-upload</c>: the time to get one 10 MB snapshot into checkpoint storage on s3rver through
/// <see cref="CheckpointStore"/> (enqueue, encode with SHA-256, PUT, retention pass, flush), median of 5, next to a raw
/// PUT of the same bytes through the same client (the baseline) and, for reference, the same store on a local directory.
/// </summary>
public static class SnapshotUploadBenchmark
{
    private const int SnapshotBytes = 10 * 1024 * 1024;
    private const int Runs = 5;

    public static async Task<int> RunAsync(string repoRoot)
    {
        using var s3 = S3Server.StartNew("bench");
        var settings = new S3ObjectStoreSettings
        {
            Endpoint = s3.Endpoint,
            ForcePathStyle = true,
            AccessKey = S3Server.AccessKey,
            SecretKey = S3Server.SecretKey,
        };
        var payload = new byte[SnapshotBytes];
        new Random(42).NextBytes(payload);

        var report = new BenchReport("snapshot-upload", Runs, "http loopback (s3rver 3.7.1)");
        report.Note("snapshot", $"{SnapshotBytes / 1048576} MiB payload, median of {Runs} after one warm-up upload");
        report.Note("s3", "single PUT, use-chunk-encoding off, request-checksum when-required, path-style");

        using (var raw = new S3ObjectStore(s3.Bucket, "raw", settings))
        {
            var median = await MedianAsync(i => raw.PutAsync($"raw/{i}", payload, CancellationToken.None));
            Add(report, "raw_put_s3", median);
        }
        using (var objects = new S3ObjectStore(s3.Bucket, "checkpoints", settings))
            Add(report, "checkpoint_s3", await CheckpointUploadAsync(objects, payload));
        var dir = Path.Combine(Path.GetTempPath(), "actorcdc-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Add(report, "checkpoint_file", await CheckpointUploadAsync(new FileObjectStore(dir), payload));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        report.Ratio("checkpoint_s3", "raw_put_s3");

        report.Print();
        Console.WriteLine($"wrote {report.Write(repoRoot)}");
        return 0;
    }

    private static async Task<double> CheckpointUploadAsync(IObjectStore objects, byte[] payload)
    {
        await using var store = new CheckpointStore(objects, new CheckpointStorageSettings { Retain = 3 });
        var at = DateTime.UtcNow;
        return await MedianAsync(async i =>
        {
            store.EnqueueSnapshot(new StoredSnapshot("bench/public.t", i + 1, at.AddSeconds(i), payload));
            await store.FlushAsync("bench/public.t", CancellationToken.None);
        });
    }

    /// <summary>Runs <paramref name="upload"/> once to warm up, then <see cref="Runs"/> times; the median in seconds.</summary>
    private static async Task<double> MedianAsync(Func<int, Task> upload)
    {
        await upload(0);
        var seconds = new List<double>();
        for (var i = 1; i <= Runs; i++)
        {
            var sw = Stopwatch.StartNew();
            await upload(i);
            seconds.Add(sw.Elapsed.TotalSeconds);
        }
        seconds.Sort();
        return seconds[Runs / 2];
    }

    private static void Add(BenchReport report, string variant, double medianSeconds)
    {
        // rows_per_s reads as uploads per second here.
        report.Variant(variant, medianSeconds, rowsOverride: 1);
        report.Figure(variant, "mib_per_s", Math.Round(SnapshotBytes / 1048576.0 / medianSeconds, 1));
    }
}
