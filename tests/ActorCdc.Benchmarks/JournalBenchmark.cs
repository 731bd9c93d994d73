using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using ActorCdc.Persistence.RocksDb;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using ActorCdc.Persistence.RocksDb.Hosting;
using ActorCdc.Persistence.RocksDb.Journal;
using ActorCdc.Persistence.RocksDb.Settings;
using ActorCdc.Testing;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using RocksDbSharp;

namespace ActorCdc.Benchmarks;

/// <summary>
/// <c>bench journal [--rows N] [--sync every-batch|interval|off] [--window W] [--replay-filter MODE]</c>: N events of 1 KB
/// from 100 persistence ids through the RocksDB journal (WriteMessages sent straight to the journal actor, W writes in
/// flight per id: 1 is Persist, more is PersistAsync), next to the baseline of the same keys and values written by one
/// thread as raw RocksDB write batches of 100 events (one per id) under the same sync policy; then the replay rate and
/// the upload time of a 10 MB snapshot to s3rver through checkpoint storage. For reference, Akka's in-memory journal
/// (synchronous, and completing asynchronously) under the same driver shows what Akka's journal machinery costs here.
/// Writes run in rounds that alternate the variants, so load changes on a shared machine hit all of them; medians.
/// </summary>
public static class JournalBenchmark
{
    private const int PersistenceIds = 100;
    private const int EventBytes = 1024;
    private const int WarmupEventsPerId = 100;
    private const int Rounds = 3;

    public static async Task<int> RunAsync(string[] args, string repoRoot)
    {
        long events = 200_000;
        var sync = "every-batch";
        var window = 1;
        var replayFilter = "repair-by-discard-old";
        for (var i = 1; i < args.Length - 1; i++)
        {
            if (args[i] == "--rows") events = long.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--sync") sync = args[++i];
            else if (args[i] == "--window") window = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--replay-filter") replayFilter = args[++i];
        }
        var eventsPerId = Math.Max(1, events / PersistenceIds);
        events = eventsPerId * PersistenceIds;
        var mib = events * (double)EventBytes / (1 << 20);

        var root = Path.Combine(Path.GetTempPath(), "actorcdc-bench-journal-" + Guid.NewGuid().ToString("N")[..8]);
        var journalPath = Path.Combine(root, "journal");
        var payload = new byte[EventBytes];
        Random.Shared.NextBytes(payload);
        var report = new BenchReport("journal", events, "local-rocksdb");
        report.Note("events", $"{events:N0} events of {EventBytes} bytes from {PersistenceIds} persistence ids, {window} write(s) in flight per id");
        report.Note("sync", sync);
        report.Note("raw", "one thread, RocksDB write batches of 100 events (one per id), the journal's own keys and values, same sync policy");
        try
        {
            var config = ConfigurationFactory.ParseString($$"""
                akka.loglevel = WARNING
                akka.persistence.journal.rocksdb { path = "{{journalPath}}", sync = {{sync}}, replay-filter.mode = {{replayFilter}} }
                akka.persistence.snapshot-store.rocksdb.path = "{{journalPath}}"
                akka.persistence.journal.async-inmem.class = "{{typeof(AsyncMemoryJournal).AssemblyQualifiedName}}"
                """).WithFallback(RocksDbPersistence.StateBackendConfig(StateBackend.RocksDb));
            using (var system = ActorSystem.Create("bench", config))
            {
                var persistence = Akka.Persistence.Persistence.Instance.Apply(system);
                var journals = new (string Variant, IActorRef Journal)[]
                {
                    ("journal", persistence.JournalFor(null)),
                    ("inmem_journal", persistence.JournalFor("akka.persistence.journal.inmem")),
                    ("async_inmem_journal", persistence.JournalFor("akka.persistence.journal.async-inmem")),
                };
                foreach (var (_, journal) in journals) await WriteThroughJournal(system, journal, "warmup", WarmupEventsPerId, window, payload);

                var seconds = new Dictionary<string, List<double>> { ["raw_rocksdb"] = new() };
                foreach (var (variant, _) in journals) seconds[variant] = new List<double>();
                var store = RocksDbStore.AcquireOpen(journalPath);
                long batches = 0;
                try
                {
                    for (var round = 1; round <= Rounds; round++)
                    {
                        seconds["raw_rocksdb"].Add(RawWrites(Path.Combine(root, $"raw-{round}"), sync, eventsPerId, payload).TotalSeconds);
                        foreach (var (variant, journal) in journals)
                        {
                            var batchesBefore = store.JournalBatchesWritten;
                            seconds[variant].Add((await WriteThroughJournal(system, journal, $"bench-{round}", eventsPerId, window, payload)).TotalSeconds);
                            if (variant == "journal") batches += store.JournalBatchesWritten - batchesBefore;
                        }
                    }
                }
                finally
                {
                    store.Release();
                }

                foreach (var (variant, values) in seconds)
                {
                    report.Variant(variant, Median(values));
                    report.Figure(variant, "mib_per_s", Math.Round(mib / Median(values), 1));
                }
                report.Figure("journal", "events_per_batch", Math.Round(events * (double)Rounds / batches, 1));
                report.Ratio("journal", "raw_rocksdb");
                report.Ratio("journal", "async_inmem_journal");
                report.Note("rounds", $"{Rounds} rounds, seconds per round: " +
                                      string.Join("; ", seconds.Select(v => $"{v.Key} {string.Join(" ", v.Value.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)))}")));

                var replayed = await Replay(system, journals[0].Journal, $"bench-{Rounds}", eventsPerId);
                report.Variant("replay", replayed.TotalSeconds);
                report.Figure("replay", "mib_per_s", Math.Round(mib / replayed.TotalSeconds, 1));
                await system.Terminate();
            }

            await MeasureSnapshotUpload(report);
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory is not worth failing the benchmark.
            }
        }
        report.Print();
        Console.WriteLine($"wrote {report.Write(repoRoot)}");
        return 0;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>The baseline: the journal's exact records for the same events, written in batches of one event per id.</summary>
    private static TimeSpan RawWrites(string path, string sync, long eventsPerId, byte[] payload)
    {
        var store = RocksDbStore.Acquire(new RocksDbStoreOptions(path, true, 16 << 20, 64 << 20));
        try
        {
            var keys = Enumerable.Range(0, PersistenceIds).Select(i => store.GetOrAddPersistenceKey($"raw-{i}")).ToArray();
            // The same bytes as the journal stores: the encoded record of each event plus the per-id highest-sequence entry.
            byte[] record;
            using (var codecSystem = ActorSystem.Create("raw-codec", "akka.loglevel = WARNING"))
            {
                var entries = JournalEntryBuffer.Rent();
                new EventRecordCodec((ExtendedActorSystem)codecSystem)
                    .Append(entries, keys[0], new Persistent(payload, 1, "raw-0", writerGuid: Guid.NewGuid().ToString()));
                record = entries.ValueAt(0).ToArray();
                entries.Return();
                codecSystem.Terminate().Wait();
            }

            var options = new WriteOptions().SetSync(sync == "every-batch");
            using var syncTimer = sync == "interval"
                ? new Timer(_ => Native.Instance.rocksdb_flush_wal(store.Db.Handle, 1), null, 100, 100)
                : null;
            var key = new byte[12];
            var counter = new byte[8];
            var clock = Stopwatch.StartNew();
            using var batch = new WriteBatch();
            for (long seq = 1; seq <= eventsPerId; seq++)
            {
                foreach (var id in keys)
                {
                    StoreKeys.Write(key, id, seq);
                    batch.Put(key, record, store.Journal);
                    StoreKeys.Write(key, id, 0);
                    BinaryPrimitives.WriteInt64LittleEndian(counter, seq);
                    batch.Put(key, counter, store.Journal);
                }
                store.Db.Write(batch, options);
                batch.Clear();
            }
            if (sync == "interval") Native.Instance.rocksdb_flush_wal(store.Db.Handle, 1);
            return clock.Elapsed;
        }
        finally
        {
            store.Release();
        }
    }

    private static async Task<TimeSpan> WriteThroughJournal(ActorSystem system, IActorRef journal, string prefix, long eventsPerId, int window, byte[] payload)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        system.ActorOf(Props.Create(() => new WriteDriver(journal, prefix, eventsPerId, window, payload, done)));
        await done.Task.WaitAsync(TimeSpan.FromMinutes(10));
        return clock.Elapsed;
    }

    private static async Task<TimeSpan> Replay(ActorSystem system, IActorRef journal, string prefix, long eventsPerId)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = Stopwatch.StartNew();
        system.ActorOf(Props.Create(() => new ReplayDriver(journal, prefix, eventsPerId, done)));
        await done.Task.WaitAsync(TimeSpan.FromMinutes(10));
        return clock.Elapsed;
    }

    /// <summary>
    /// Upload of a 10 MB snapshot to s3rver through the node's checkpoint storage (the CheckpointStorage extension built
    /// from HOCON, as the snapshot store uses it): enqueue until uploaded, median of 3. <c>bench snapshot-upload</c>
    /// compares the same upload with a raw PUT.
    /// </summary>
    private static async Task MeasureSnapshotUpload(BenchReport report)
    {
        const string variant = "snapshot_upload_10mb_s3rver";
        S3Server server;
        try
        {
            server = S3Server.StartNew("bench");
        }
        catch (Exception e)
        {
            report.Note(variant, "skipped: " + e.Message);
            return;
        }
        await using var _ = server;
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            actorcdc.state.checkpoints { storage = "s3://{{server.Bucket}}/bench", s3 = {{server.SettingsHocon}} }
            """);
        using var system = ActorSystem.Create("bench-upload", config);
        var store = CheckpointStorage.Get(system).Store ?? throw new InvalidOperationException("no checkpoint storage");
        var snapshot = new byte[10 << 20];
        Random.Shared.NextBytes(snapshot);
        var times = new List<double>();
        for (var i = 1; i <= 3; i++)
        {
            var clock = Stopwatch.StartNew();
            store.EnqueueSnapshot(new StoredSnapshot("bench-entity", i, DateTime.UtcNow, snapshot));
            await store.FlushAsync("bench-entity", CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));
            times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        report.Variant(variant, times[1], rowsOverride: 1);
        report.Figure(variant, "mib_per_s", Math.Round(10 / times[1], 1));
        report.Note(variant, "10 MiB snapshot, enqueue to uploaded, median of 3: " + string.Join(", ", times.Select(t => $"{t:0.000}s")));
        await system.Terminate();
    }

    /// <summary>Sends WriteMessages for every id, keeping <c>window</c> writes in flight per id, until all events are stored.</summary>
    private sealed class WriteDriver : ReceiveActor
    {
        private readonly IActorRef _journal;
        private readonly byte[] _payload;
        private readonly string[] _ids;
        private readonly Dictionary<string, int> _index = new();
        private readonly long[] _next;
        private readonly long _eventsPerId;
        private readonly string _writerGuid = Guid.NewGuid().ToString();
        private long _stored;

        public WriteDriver(IActorRef journal, string prefix, long eventsPerId, int window, byte[] payload, TaskCompletionSource done)
        {
            _journal = journal;
            _payload = payload;
            _eventsPerId = eventsPerId;
            _ids = Enumerable.Range(0, PersistenceIds).Select(i => $"{prefix}-{i}").ToArray();
            for (var i = 0; i < _ids.Length; i++) _index[_ids[i]] = i;
            _next = Enumerable.Repeat(1L, PersistenceIds).ToArray();
            var total = eventsPerId * PersistenceIds;

            Receive<WriteMessageSuccess>(m =>
            {
                if (++_stored == total) done.TrySetResult();
                else SendNext(_index[m.Persistent.PersistenceId]);
            });
            Receive<WriteMessagesSuccessful>(_ => { });
            Receive<WriteMessageRejected>(m => done.TrySetException(m.Cause));
            Receive<WriteMessageFailure>(m => done.TrySetException(m.Cause));
            Receive<WriteMessagesFailed>(m => done.TrySetException(m.Cause));

            for (var w = 0; w < window; w++)
            {
                for (var i = 0; i < PersistenceIds; i++) SendNext(i);
            }
        }

        private void SendNext(int i)
        {
            var seq = _next[i];
            if (seq > _eventsPerId) return;
            _next[i] = seq + 1;
            var write = new AtomicWrite(new Persistent(_payload, seq, _ids[i], string.Empty, false, ActorRefs.NoSender, _writerGuid));
            _journal.Tell(new WriteMessages(new[] { write }, Self, 1));
        }
    }

    /// <summary>Replays every id at once and completes when all have reported RecoverySuccess with every event seen.</summary>
    private sealed class ReplayDriver : ReceiveActor
    {
        public ReplayDriver(IActorRef journal, string prefix, long eventsPerId, TaskCompletionSource done)
        {
            long replayed = 0;
            var recovered = 0;
            Receive<ReplayedMessage>(_ => replayed++);
            Receive<RecoverySuccess>(_ =>
            {
                if (++recovered < PersistenceIds) return;
                if (replayed == eventsPerId * PersistenceIds) done.TrySetResult();
                else done.TrySetException(new InvalidOperationException($"replayed {replayed} events, expected {eventsPerId * PersistenceIds}"));
            });
            Receive<ReplayMessagesFailure>(m => done.TrySetException(m.Cause));
            for (var i = 0; i < PersistenceIds; i++)
                journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, $"{prefix}-{i}", Self));
        }
    }

    /// <summary>Akka's in-memory journal whose writes complete asynchronously, as a real store's do.</summary>
    internal sealed class AsyncMemoryJournal : MemoryJournal
    {
        protected override async Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
        {
            await Task.Yield();
            return await base.WriteMessagesAsync(messages, cancellationToken);
        }
    }
}
