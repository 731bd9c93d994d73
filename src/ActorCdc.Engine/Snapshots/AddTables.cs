using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Snapshots;

/// <summary>PipelineManager → SnapshotCoordinator: tables newly captured (e.g. added to the publication while running).</summary>
public sealed record AddTables(IReadOnlyList<TableId> Tables);
