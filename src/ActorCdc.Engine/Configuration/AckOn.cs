namespace ActorCdc.Engine.Configuration;

/// <summary>When a change counts as durable, so the slot may move past it (DESIGN.md §3.3).</summary>
public enum AckOn
{
    /// <summary>Committed in the sink.</summary>
    Applied,
    /// <summary>Contained in a completed checkpoint in checkpoint storage.</summary>
    Checkpointed,
}
