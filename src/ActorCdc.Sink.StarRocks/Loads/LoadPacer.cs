using System.Diagnostics;

namespace ActorCdc.Sink.StarRocks.Loads;

/// <summary>
/// Keeps loads into one table at least <c>sink.min-load-interval</c> apart: every load is a new version of every tablet
/// it touches, and frequent small ones outrun compaction ("too many versions").
/// </summary>
internal sealed class LoadPacer(TimeSpan minInterval)
{
    private long _last = long.MinValue;

    public Task WaitTurnAsync(CancellationToken cancellationToken)
    {
        if (minInterval <= TimeSpan.Zero || _last == long.MinValue) return Task.CompletedTask;
        var remaining = minInterval - Stopwatch.GetElapsedTime(_last);
        return remaining > TimeSpan.Zero ? Task.Delay(remaining, cancellationToken) : Task.CompletedTask;
    }

    public void Loaded() => _last = Stopwatch.GetTimestamp();
}
