using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// SnapshotCoordinator → TableEntity: the table's backfill is done; the lookback of recent changes (up to its limits in
/// memory) is no longer needed and goes. A later <see cref="PrepareBackfill"/> (a re-snapshot) starts it again.
/// </summary>
public sealed record EndBackfill(string Pipeline, TableId Table) : ITableEntityMessage
{
    public string EntityId => TableEntityId.For(Pipeline, Table);
}
