using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Storage;

namespace ActorCdc.Sink.Files.Tests.Support;

/// <summary>
/// A Parquet sink over a <see cref="FileObjectStore"/> in a directory of the test's own, with a hand-moved clock.
/// Disposing removes the directory.
/// </summary>
public sealed class SinkHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Day1 = new(2024, 3, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly List<ParquetSinkFactory> _factories = [];
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromSeconds(60));

    public SinkHarness(Func<string, ParquetSinkSettings>? settings = null, Func<Lsn, DateTime?>? commitTimeOf = null)
    {
        // tmpfs when there is one: the store fsyncs every object, which is the store's concern, not the sink's.
        var temp = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        Root = Path.Combine(temp, "actorcdc-files-tests", Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
        LakeDirectory = Path.Combine(Root, "lake");
        Store = new FileObjectStore(LakeDirectory);
        var local = Path.Combine(Root, "local");
        Settings = settings?.Invoke(local) ?? new ParquetSinkSettings("file://" + LakeDirectory, localDirectory: local);
        CommitTimeOf = commitTimeOf;
        Factory = NewFactory();
    }

    public string Root { get; }
    public string LakeDirectory { get; }
    public IObjectStore Store { get; }
    public ParquetSinkSettings Settings { get; }
    public ManualTime Time { get; } = new(Day1);
    public Func<Lsn, DateTime?>? CommitTimeOf { get; }

    /// <summary>The sink factory of the current "process"; <see cref="NewFactory"/> starts another, as after a crash.</summary>
    public ParquetSinkFactory Factory { get; private set; }

    /// <summary>Cancels whatever the test still waits for after 60 seconds.</summary>
    public CancellationToken Deadline => _deadline.Token;

    public ParquetSinkFactory NewFactory()
    {
        var factory = new ParquetSinkFactory("shop", Settings, Store, Time, CommitTimeOf);
        _factories.Add(factory);
        Factory = factory;
        return factory;
    }

    public ParquetTableSink Sink(string source, string? target = null) =>
        (ParquetTableSink)Factory.CreateTableSink(TableId.Parse(source), TableId.Parse(target ?? source));

    /// <summary>Every object in the store whose key does not start with the staging prefix.</summary>
    public async Task<IReadOnlyList<string>> PublishedKeysAsync() =>
        (await Store.ListAsync("", Deadline)).Select(o => o.Key).Where(k => !k.StartsWith(Settings.StagingPrefix + "/", StringComparison.Ordinal)).ToList();

    public async Task<IReadOnlyList<string>> StagedKeysAsync() =>
        (await Store.ListAsync(Settings.StagingPrefix + "/", Deadline)).Select(o => o.Key).ToList();

    /// <summary>The published files of <paramref name="table"/>, read back, in key order (which is position order).</summary>
    public async Task<IReadOnlyList<ParquetReadBack>> ReadTableAsync(string table)
    {
        var files = new List<ParquetReadBack>();
        foreach (var key in await PublishedKeysAsync())
        {
            if (!key.StartsWith(table + "/", StringComparison.Ordinal)) continue;
            files.Add(await ParquetReadBack.ReadAsync(key, (await Store.GetAsync(key, Deadline))!));
        }
        return files;
    }

    /// <summary>All published rows of <paramref name="table"/>, in position order.</summary>
    public async Task<IReadOnlyList<Dictionary<string, object?>>> ReadRowsAsync(string table) =>
        (await ReadTableAsync(table)).SelectMany(f => f.Rows)
            .OrderBy(r => (long)r["__commit_lsn"]!).ThenBy(r => (long)r["__index"]!)
            .ToList();

    /// <summary>Applies, prepares and commits: the changes become visible.</summary>
    public async Task<byte[]> ApplyAndCommitAsync(ParquetTableSink sink, TableSchema schema, params RowChange[] changes)
    {
        await sink.ApplyAsync(schema, changes, changes[^1].Position, Deadline);
        var token = await sink.PrepareAsync(changes[^1].Position, Deadline);
        await sink.CommitAsync(token, Deadline);
        return token;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var f in _factories) await f.DisposeAsync();
        _deadline.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp directory.
        }
    }
}
