namespace ActorCdc.Sink.StarRocks;

/// <summary>How loads become visible (HOCON <c>sink.semantic</c>).</summary>
public enum StarRocksSemantic
{
    /// <summary>Each write is one Stream Load, visible at once; deterministic labels make replays harmless.</summary>
    AtLeastOnce = 0,

    /// <summary>Writes go into Transaction Stream Loads that are prepared at a checkpoint and committed once it completes.</summary>
    ExactlyOnce = 1,
}
