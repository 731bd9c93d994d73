using ActorCdc.Core.Positions;

namespace ActorCdc.Source.Postgres;

/// <summary>
/// A <c>pg_logical_emit_message</c> record (heartbeats, snapshot watermarks). A transactional one arrives inside its
/// transaction, in order with its changes; a non-transactional one arrives on its own as soon as it is decoded.
/// </summary>
public sealed record LogicalMessage(Lsn Lsn, bool Transactional, string Prefix, byte[] Content) : SourceEvent;
