namespace ActorCdc.Sink.StarRocks.Failures;

/// <summary>What a failed StarRocks answer calls for (reference/starrocks.md §6).</summary>
internal enum LoadVerdict
{
    /// <summary>Retry the same request (same label) after a backoff.</summary>
    Retry,
    /// <summary>Do not retry now: fail the write as transient and let the engine retry it later.</summary>
    RetryLater,
    /// <summary>The rows are refused: a data error, handled by the pipeline's on-data-error policy.</summary>
    Data,
    /// <summary>The setup is wrong (credentials, table kind, proxy): stop until an operator fixes it.</summary>
    Fatal,
}
