using ActorCdc.Core.Positions;

namespace ActorCdc.Source.Postgres;

/// <summary>
/// The transaction ends. <paramref name="EndLsn"/> is the value to confirm once all its changes are durable:
/// after a reconnect the server resends only transactions that end after the confirmed LSN.
/// </summary>
public sealed record TransactionCommitted(Lsn CommitLsn, Lsn EndLsn, DateTime CommitTimeUtc) : SourceEvent;
