using ActorCdc.Core.Positions;

namespace ActorCdc.Core.Sinks;

/// <summary>
/// A table sink whose writes become visible only at a checkpoint (two-phase commit, as Flink's TwoPhaseCommitSink):
/// StarRocks transaction stream load, Parquet files published at a checkpoint. The engine calls, in order:
/// <see cref="PrepareAsync"/> when its entity takes a checkpoint, stores the returned token inside that checkpoint,
/// then <see cref="CommitAsync"/> once the checkpoint is complete; after a restart <see cref="RecoverAsync"/> with
/// the token of the last completed checkpoint.
/// </summary>
public interface ICheckpointParticipant
{
    /// <summary>
    /// Makes everything written so far (up to <paramref name="upTo"/>) durable but not yet visible, and returns a token
    /// that names it (transaction labels, staged file names). Writes after this call belong to the next checkpoint.
    /// </summary>
    Task<byte[]> PrepareAsync(SourcePosition upTo, CancellationToken cancellationToken);

    /// <summary>Publishes what <paramref name="token"/> names; idempotent, since it may run again after a crash.</summary>
    Task CommitAsync(byte[] token, CancellationToken cancellationToken);

    /// <summary>
    /// On start: commits what the last completed checkpoint's <paramref name="token"/> names (idempotently) and discards
    /// anything prepared or staged after it (lingering transactions, orphan files).
    /// </summary>
    Task RecoverAsync(byte[]? token, CancellationToken cancellationToken);
}
