namespace ActorCdc.Persistence.RocksDb.Settings;

/// <summary>When the journal fsyncs its write-ahead log (HOCON <c>sync</c>); see reference.conf for the trade-offs.</summary>
public enum JournalSyncMode
{
    /// <summary>Every merged write batch is fsynced before its persists are acknowledged (group commit).</summary>
    EveryBatch,

    /// <summary>Persists are acknowledged when written to the OS; the WAL is fsynced every <c>sync-interval</c>.</summary>
    Interval,

    /// <summary>No explicit fsync; tests and throwaway state only.</summary>
    Off,
}
