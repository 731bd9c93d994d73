using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// ChunkReader → TableEntity: every row of the chunk was sent (<see cref="Rows"/> rows in <see cref="Parts"/> parts), read
/// in the snapshot <see cref="Snapshot"/> (<c>pg_current_snapshot()</c> text). The sender is the SnapshotCoordinator,
/// which the entity tells the chunk's outcome.
/// </summary>
public sealed record ChunkEnd(string Pipeline, TableId Table, long ChunkId, int Attempt, int Parts, long Rows, string Snapshot) : ITableEntityMessage
{
    public string EntityId => TableEntityId.For(Pipeline, Table);
}
