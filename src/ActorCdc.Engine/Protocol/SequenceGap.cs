using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// TableEntity → WalReader: a batch is missing (lost in transit, or the entity restarted below what it was sent);
/// the reader reconnects from the slot's confirmed LSN (DESIGN.md §2).
/// </summary>
public sealed record SequenceGap(TableId Table, long Session, long Expected, long Received) : IEngineMessage;
