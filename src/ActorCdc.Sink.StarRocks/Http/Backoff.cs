namespace ActorCdc.Sink.StarRocks.Http;

/// <summary>Exponential backoff with ±20% jitter between two bounds, so that many tables retrying do not retry in step.</summary>
internal sealed class Backoff(TimeSpan min, TimeSpan max)
{
    public TimeSpan Delay(int attempt)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var ms = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, exponent));
        var jitter = 0.8 + Random.Shared.NextDouble() * 0.4;
        return TimeSpan.FromMilliseconds(Math.Max(1, ms * jitter));
    }
}
