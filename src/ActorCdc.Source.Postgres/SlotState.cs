using ActorCdc.Core.Positions;

namespace ActorCdc.Source.Postgres;

/// <summary>
/// The replication slot as <c>pg_replication_slots</c> shows it, with the server's current WAL position for lag.
/// When the slot does not exist, only <see cref="ServerWalLsn"/> is meaningful.
/// </summary>
public sealed record SlotState(bool Exists, Lsn ConfirmedFlushLsn, Lsn RestartLsn, int? ActivePid, Lsn ServerWalLsn)
{
    /// <summary>WAL bytes the slot holds back: server position minus confirmed position.</summary>
    public long LagBytes => Exists && ServerWalLsn > ConfirmedFlushLsn ? (long)(ServerWalLsn.Value - ConfirmedFlushLsn.Value) : 0;
}
