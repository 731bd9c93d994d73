namespace ActorCdc.Engine.Configuration;

/// <summary>The two tunings of a pipeline (hocon/profiles): bulk copying, then low-latency streaming.</summary>
public enum Profile
{
    Backfill,
    Steady,
}
