namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// What a chunk read saw: the snapshot its rows come from (to decide which streamed transactions the rows already
/// contain, DESIGN.md §3.5) and how many rows it handed over.
/// </summary>
public sealed record ChunkReadResult(SnapshotInfo Snapshot, long Rows);
