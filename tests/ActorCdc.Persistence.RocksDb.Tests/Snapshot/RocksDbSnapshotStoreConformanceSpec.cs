using Xunit.Abstractions;

namespace ActorCdc.Persistence.RocksDb.Tests.Snapshot;

/// <summary>The snapshot conformance suite with snapshots in the local RocksDB database (state.backend = rocksdb).</summary>
public sealed class RocksDbSnapshotStoreConformanceSpec(ITestOutputHelper output)
    : SnapshotStoreConformanceSpec(output, "akka.persistence.snapshot-store.rocksdb.local = rocksdb");
