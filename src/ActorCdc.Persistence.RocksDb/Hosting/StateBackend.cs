namespace ActorCdc.Persistence.RocksDb.Hosting;

/// <summary>Where entity state lives between snapshots (DESIGN.md §4, <c>state.backend</c>).</summary>
public enum StateBackend
{
    /// <summary>Journal and snapshots on local RocksDB (Flink's EmbeddedRocksDBStateBackend); the default.</summary>
    RocksDb,

    /// <summary>Journal in memory, snapshots only in memory and checkpoint storage (Flink's HashMapStateBackend).</summary>
    Memory,
}
