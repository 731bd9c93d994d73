namespace ActorCdc.Persistence.RocksDb.Checkpoints;

/// <summary>
/// One entity in a savepoint manifest: its persistence id and snapshot sequence number, the SHA-256 of its snapshot
/// object (<c>sha256:&lt;hex&gt;</c>) and the object's key relative to the savepoint's folder.
/// </summary>
public sealed record SavepointEntry(string PersistenceId, long SequenceNr, DateTime TimestampUtc, long Size, string Checksum, string Key);
