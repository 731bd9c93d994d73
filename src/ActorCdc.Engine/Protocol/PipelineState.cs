namespace ActorCdc.Engine.Protocol;

/// <summary>The lifecycle of a pipeline as operators see it.</summary>
public enum PipelineState : byte
{
    Starting = 1,
    Streaming = 2,
    Degraded = 3,
    Failed = 4,
    /// <summary>Streaming while existing rows are being copied.</summary>
    Backfilling = 5,
    /// <summary>snapshot.mode = initial-only and every table is copied: the pipeline stopped reading.</summary>
    Completed = 6,
    /// <summary>An operator paused the reader (<c>cdc pause</c>); nothing new is sent until <c>cdc resume</c>.</summary>
    Paused = 7,
}
