using ActorCdc.Core.Positions;

namespace ActorCdc.Source.Postgres;

/// <summary>A committed transaction starts; every change until its <see cref="TransactionCommitted"/> has <paramref name="CommitLsn"/> in its position.</summary>
public sealed record TransactionBegun(Lsn CommitLsn, uint Xid, DateTime CommitTimeUtc) : SourceEvent;
