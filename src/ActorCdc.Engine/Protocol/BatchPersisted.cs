using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// TableEntity → WalReader: batch <see cref="Seq"/> of <see cref="Session"/> is held durably enough to survive the
/// entity's restart. Carries the entity's applied position so the reader learns it without another message.
/// </summary>
public sealed record BatchPersisted(TableId Table, long Session, long Seq, SourcePosition Applied) : IEngineMessage;
