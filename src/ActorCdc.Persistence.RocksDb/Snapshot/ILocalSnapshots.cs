using ActorCdc.Persistence.RocksDb.Checkpoints;

namespace ActorCdc.Persistence.RocksDb.Snapshot;

/// <summary>This node's copy of the snapshots (RocksDB or memory); bounds are inclusive, a null timestamp bound is a wildcard.</summary>
internal interface ILocalSnapshots : IDisposable
{
    /// <summary>True when calls are cheap enough to run on the snapshot store's thread.</summary>
    bool IsInMemory { get; }

    void Save(string persistenceId, long sequenceNr, DateTime timestamp, byte[] blob);

    StoredSnapshot? LoadNewest(string persistenceId, long minSequenceNr, long maxSequenceNr, DateTime minTimestamp, DateTime maxTimestamp);

    /// <summary>Deletes the snapshot at <paramref name="sequenceNr"/> unless it is newer than <paramref name="maxTimestamp"/>.</summary>
    void Delete(string persistenceId, long sequenceNr, DateTime? maxTimestamp);

    void Delete(string persistenceId, long minSequenceNr, long maxSequenceNr, DateTime minTimestamp, DateTime maxTimestamp);
}
