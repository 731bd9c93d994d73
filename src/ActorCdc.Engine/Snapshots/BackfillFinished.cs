namespace ActorCdc.Engine.Snapshots;

/// <summary>SnapshotCoordinator → PipelineManager: every table of the pipeline is copied (or skipped).</summary>
public sealed record BackfillFinished(string Pipeline);
