using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// TableEntity → SnapshotCoordinator: the chunk's merged rows are committed in the sink (<see cref="VoidReason"/> null),
/// or the attempt was voided and must be read again.
/// </summary>
public sealed record ChunkOutcome(TableId Table, long ChunkId, int Attempt, long Rows, string? VoidReason) : IEngineMessage
{
    /// <summary>
    /// The void reason of an entity that started (moved to another node, or restarted) after its table's backfill was
    /// prepared: it keeps no lookback and drops chunk rows until the coordinator prepares it again.
    /// </summary>
    public const string EntityNotPrepared = "the table entity restarted and is not prepared for backfill; preparing it again and reading the chunk again";
}
