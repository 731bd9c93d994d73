using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>SnapshotCoordinator → TableEntity: forget this attempt of the chunk (its reader failed); a new attempt follows.</summary>
public sealed record AbandonChunk(string Pipeline, TableId Table, long ChunkId, int Attempt) : ITableEntityMessage
{
    public string EntityId => TableEntityId.For(Pipeline, Table);
}
