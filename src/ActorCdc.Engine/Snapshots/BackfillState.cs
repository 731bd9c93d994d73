namespace ActorCdc.Engine.Snapshots;

/// <summary>The SnapshotCoordinator's snapshot: every table's progress and the next chunk id (DESIGN.md §3.5, resumable).</summary>
public sealed record BackfillState(long NextChunkId, IReadOnlyList<TableBackfillProgress> Tables) : Protocol.IEngineMessage;
