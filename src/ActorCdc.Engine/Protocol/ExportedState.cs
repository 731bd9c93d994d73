using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>TableEntity → savepoint writer: the entity's state at this moment.</summary>
public sealed record ExportedState(TableId Table, TableEntitySnapshot Snapshot) : IEngineMessage;
