namespace ActorCdc.Persistence.RocksDb.Settings;

/// <summary>Where the snapshot store keeps this node's snapshots (HOCON <c>local</c>), besides checkpoint storage.</summary>
public enum LocalSnapshotStorage
{
    /// <summary>In the local RocksDB database (state.backend = rocksdb).</summary>
    RocksDb,

    /// <summary>In memory only (state.backend = memory); checkpoint storage is the only durable copy.</summary>
    Memory,
}
