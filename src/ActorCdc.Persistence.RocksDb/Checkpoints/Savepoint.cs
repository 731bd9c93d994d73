namespace ActorCdc.Persistence.RocksDb.Checkpoints;

/// <summary>A savepoint read back whole: its manifest and every entity snapshot, checksums verified.</summary>
public sealed record Savepoint(SavepointManifest Manifest, IReadOnlyList<StoredSnapshot> Snapshots);
