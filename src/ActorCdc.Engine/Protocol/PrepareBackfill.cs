using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// SnapshotCoordinator → TableEntity: the table is about to be backfilled; start keeping recent changes (the lookback
/// that catches transactions a chunk's snapshot does not see) and answer <see cref="BackfillPrepared"/>.
/// <see cref="Fence"/> is the WAL position the coordinator read when it started, before any chunk: watermarks before it
/// belong to an earlier coordinator (its node died), and a newer fence than the entity knows means every attempt it
/// holds is abandoned.
/// </summary>
public sealed record PrepareBackfill(string Pipeline, TableSchema Schema, Lsn Fence) : ITableEntityMessage
{
    public string EntityId => TableEntityId.For(Pipeline, Schema.Table);
}
