using Xunit;
using Xunit.Abstractions;

namespace ActorCdc.Persistence.RocksDb.Tests.Snapshot;

/// <summary>
/// The snapshot conformance suite for state.backend = memory: Akka's in-memory journal and snapshots kept in memory,
/// still pushed to checkpoint storage; nothing is written to local disk.
/// </summary>
public sealed class MemorySnapshotStoreConformanceSpec(ITestOutputHelper output) : SnapshotStoreConformanceSpec(output, """
    akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
    akka.persistence.snapshot-store.rocksdb.local = memory
    """)
{
    [Fact]
    public void No_local_database_is_created()
    {
        Assert.False(Directory.Exists(DatabasePath), $"{DatabasePath} should not exist with local = memory");
    }
}
