namespace ActorCdc.Engine.Snapshots;

/// <summary>Asks the SnapshotCoordinator for its <see cref="BackfillState"/> (for a savepoint).</summary>
public sealed record ExportBackfillState;
