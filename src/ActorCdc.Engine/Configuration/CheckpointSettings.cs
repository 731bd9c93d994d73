namespace ActorCdc.Engine.Configuration;

/// <summary>
/// When table entities checkpoint (snapshot, and let checkpoint-committing sinks publish) and how long a graceful
/// hand-off waits for checkpoint storage to confirm the final snapshot.
/// </summary>
public sealed record CheckpointSettings(TimeSpan Interval, TimeSpan FlushTimeout)
{
    internal static CheckpointSettings Parse(ConfigReader c) => new(
        c.Duration("interval", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100)),
        c.Duration("flush-timeout", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100)));
}
