namespace ActorCdc.Persistence.RocksDb.Checkpoints;

/// <summary>A snapshot as checkpoint storage keeps it: its identity and the serialized snapshot bytes.</summary>
public sealed record StoredSnapshot(string PersistenceId, long SequenceNr, DateTime TimestampUtc, ReadOnlyMemory<byte> Payload);
