namespace ActorCdc.Core.Failures;

/// <summary>How a failure is handled (DESIGN.md §5).</summary>
public enum FailureKind : byte
{
    /// <summary>Connection reset, 5xx, throttling: retried forever with backoff.</summary>
    Transient = 1,
    /// <summary>A row the sink rejects: handled by the configured on-data-error policy.</summary>
    Data = 2,
    /// <summary>Slot dropped, authentication refused, publication missing: the pipeline stops in Failed.</summary>
    Fatal = 3,
}
