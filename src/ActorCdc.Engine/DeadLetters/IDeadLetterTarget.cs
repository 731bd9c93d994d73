namespace ActorCdc.Engine.DeadLetters;

/// <summary>
/// Where one table's rejected changes go (<c>delivery.dead-letter</c>). Calls come from one SinkWriter, in position
/// order, never concurrently. A failed write throws (the writer retries it as a transient failure): never a silent drop.
/// </summary>
public interface IDeadLetterTarget : IAsyncDisposable
{
    /// <summary>
    /// Stores <paramref name="letter"/> durably before returning. False when a dead letter at the same position is
    /// already stored (a replay after a restart), which is then not stored twice.
    /// </summary>
    Task<bool> WriteAsync(DeadLetter letter, CancellationToken cancellationToken);
}
