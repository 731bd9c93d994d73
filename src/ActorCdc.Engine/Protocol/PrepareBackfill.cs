using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// SnapshotCoordinator → TableEntity: the table is about to be backfilled; start keeping recent changes (the lookback
/// that catches transactions a chunk's snapshot does not see) and answer <see cref="BackfillPrepared"/>.
/// </summary>
public sealed record PrepareBackfill(string Pipeline, TableSchema Schema) : ITableEntityMessage
{
    public string EntityId => TableEntityId.For(Pipeline, Schema.Table);
}
