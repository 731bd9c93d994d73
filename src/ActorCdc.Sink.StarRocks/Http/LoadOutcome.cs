namespace ActorCdc.Sink.StarRocks.Http;

/// <summary>How a Stream Load ended well.</summary>
internal enum LoadOutcome
{
    /// <summary><c>Success</c>: loaded and visible.</summary>
    Loaded,
    /// <summary><c>Publish Timeout</c>: committed, visible a little later; not to be sent again.</summary>
    PublishTimeout,
    /// <summary><c>Label Already Exists</c> and the earlier load with the label finished (directly or after polling its state).</summary>
    AlreadyLoaded,
}
