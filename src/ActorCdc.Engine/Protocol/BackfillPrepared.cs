using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>TableEntity → SnapshotCoordinator: the lookback runs; chunks of the table may be read.</summary>
public sealed record BackfillPrepared(TableId Table, SourcePosition Applied) : IEngineMessage;
