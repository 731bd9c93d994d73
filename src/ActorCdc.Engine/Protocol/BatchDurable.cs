using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>TableEntity → WalReader: every change of the table up to <see cref="Applied"/> is committed in the sink.</summary>
public sealed record BatchDurable(TableId Table, SourcePosition Applied) : IEngineMessage;
