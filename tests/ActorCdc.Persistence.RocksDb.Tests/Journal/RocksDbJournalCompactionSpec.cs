using Akka.Actor;
using Akka.Persistence;
using ActorCdc.Testing;
using Xunit;
using Xunit.Abstractions;

namespace ActorCdc.Persistence.RocksDb.Tests.Journal;

/// <summary>
/// Events deleted below a snapshot (the engine deletes after every snapshot) are range-deleted and compacted away,
/// so the database follows the live data instead of everything ever written.
/// </summary>
public sealed class RocksDbJournalCompactionSpec(ITestOutputHelper output) : RocksDbPluginSpec(output, """
    akka.persistence.journal.rocksdb {
      sync = off
      compact-after-deleted-events = 4000
      db { write-buffer-size = 1MiB, max-total-wal-size = 4MiB }
    }
    akka.persistence.snapshot-store.rocksdb.db { write-buffer-size = 1MiB, max-total-wal-size = 4MiB }
    """)
{
    private const int Entities = 10;
    private const int Rounds = 30;
    private const int EventsPerRound = 100;
    private const int EventBytes = 1024;
    private const long BoundBytes = 12L << 20;

    [Fact]
    public async Task Database_size_stays_bounded_when_events_below_snapshots_are_deleted()
    {
        var probe = CreateTestProbe();
        var payload = new byte[EventBytes];
        Random.Shared.NextBytes(payload);
        var sizes = new List<long>();
        long written = 0;
        for (var round = 0; round < Rounds; round++)
        {
            for (var e = 0; e < Entities; e++)
            {
                var pid = $"{Pid}-{e}";
                var first = round * EventsPerRound + 1L;
                var writes = Enumerable.Range(0, EventsPerRound)
                    .Select(i => new AtomicWrite(new Persistent(payload, first + i, pid, writerGuid: WriterGuid)))
                    .ToArray();
                Journal.Tell(new WriteMessages(writes, probe.Ref, ActorInstanceId));
                written += EventsPerRound * EventBytes;
            }
            probe.ReceiveN(Entities * (EventsPerRound + 1), TimeSpan.FromSeconds(30));

            // "Snapshot" every entity: everything written so far is below it.
            for (var e = 0; e < Entities; e++)
                Journal.Tell(new DeleteMessagesTo($"{Pid}-{e}", (round + 1L) * EventsPerRound, probe.Ref));
            probe.ReceiveN(Entities, TimeSpan.FromSeconds(30)).ToList().ForEach(m => Assert.IsType<DeleteMessagesSuccess>(m));
            sizes.Add(DirectorySize(DatabasePath));
        }

        var store = RocksDbStore.AcquireOpen(DatabasePath);
        try
        {
            Output.WriteLine($"wrote {written >> 20} MiB; compactions {store.JournalCompactionsStarted}; size per round (KiB): " +
                             string.Join(" ", sizes.Select(s => s >> 10)));
            Assert.True(store.JournalCompactionsStarted > 0, "deletes should have triggered compactions");
            Assert.All(sizes, s => Assert.True(s < BoundBytes, $"database grew to {s >> 10} KiB (bound {BoundBytes >> 10} KiB)"));
            // Compaction runs in the background: the final size settles far below what was written.
            await Eventually.WaitAsync(() => Task.FromResult(DirectorySize(DatabasePath)), s => s < written / 4,
                TimeSpan.FromSeconds(20), "database size after compaction");
        }
        finally
        {
            store.Release();
        }

        // The live tail is intact: nothing below the last delete, highest sequence number kept.
        var receiver = CreateTestProbe();
        Journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, $"{Pid}-0", receiver.Ref));
        receiver.ExpectMsg<RecoverySuccess>(m => m.HighestSequenceNr == Rounds * EventsPerRound);
    }

    private static long DirectorySize(string directory) =>
        new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f =>
        {
            try
            {
                return f.Length;
            }
            catch (FileNotFoundException)
            {
                return 0L; // removed by RocksDB while we were listing
            }
        });
}
