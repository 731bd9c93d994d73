using ActorCdc.Benchmarks;

// ./build.sh bench <name> [--rows N]: runs one benchmark against servers it starts itself.
var repoRoot = FindRepoRoot();
if (args.Length >= 1 && args[0] == "streaming-variant")
    return await StreamingBenchmark.RunVariantAsync(args[1], args[2], args[3], long.Parse(args[4]));
if (args.Length >= 1 && args[0] == "snapshot-variant")
    return await SnapshotBenchmark.RunVariantAsync(args[1], args[2], args[3], long.Parse(args[4]));

var name = args.Length > 0 ? args[0] : "";
long rows = 1_000_000;
for (var i = 1; i < args.Length; i++)
    if (args[i] == "--rows" && i + 1 < args.Length) rows = long.Parse(args[++i]);
switch (name)
{
    case "streaming":
        return await StreamingBenchmark.RunAsync(rows, repoRoot);
    case "snapshot":
        return await SnapshotBenchmark.RunAsync(args.Contains("--rows") ? rows : 5_000_000, repoRoot);
    case "journal":
        return await JournalBenchmark.RunAsync(args, repoRoot);
    case "snapshot-upload":
        return await SnapshotUploadBenchmark.RunAsync(repoRoot);
    case "failover":
        return await FailoverBenchmark.RunAsync(repoRoot);
    case "sinks":
        return await SinksBenchmark.RunAsync(rows, repoRoot, args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault());
    default:
        Console.Error.WriteLine("usage: ./build.sh bench streaming [--rows N] | snapshot [--rows N] | journal [--rows N] [--sync every-batch|interval|off] [--window W] | failover");
        return 2;
}

static string FindRepoRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ActorCdc.sln"))) dir = dir.Parent;
    return dir?.FullName ?? Directory.GetCurrentDirectory();
}
