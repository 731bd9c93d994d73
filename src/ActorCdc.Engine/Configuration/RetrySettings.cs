namespace ActorCdc.Engine.Configuration;

/// <summary>Exponential backoff with jitter and a cap; <see cref="MaxAttempts"/> 0 retries forever.</summary>
public sealed record RetrySettings(TimeSpan MinBackoff, TimeSpan MaxBackoff, double RandomFactor, int MaxAttempts)
{
    /// <summary>The delay before attempt <paramref name="attempt"/> (1-based), jittered.</summary>
    public TimeSpan Delay(int attempt)
    {
        var exp = Math.Min(MaxBackoff.TotalMilliseconds, MinBackoff.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 1)));
        var jitter = 1 + Random.Shared.NextDouble() * RandomFactor;
        return TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, exp * jitter));
    }

    internal static RetrySettings Parse(ConfigReader c, RetrySettings fallback) => new(
        c.Duration("min-backoff", fallback.MinBackoff, TimeSpan.FromMilliseconds(1)),
        c.Duration("max-backoff", fallback.MaxBackoff, TimeSpan.FromMilliseconds(1)),
        fallback.RandomFactor,
        c.Int("max-attempts", fallback.MaxAttempts, min: 0));
}
