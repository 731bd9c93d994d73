namespace ActorCdc.Engine.Protocol;

/// <summary>
/// Sharding's hand-off stop message for table entities: take a final snapshot, wait until checkpoint storage holds it,
/// then stop, so the next node starts from it (DESIGN.md §3.6).
/// </summary>
public sealed record HandOff : IEngineMessage
{
    public static readonly HandOff Instance = new();
}
