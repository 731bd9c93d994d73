using ActorCdc.Engine.Protocol;

namespace ActorCdc.Engine.Snapshots;

/// <summary>Asks the SnapshotCoordinator for every table's <see cref="BackfillTableProgress"/>; answered with <see cref="BackfillProgress"/>.</summary>
public sealed record GetBackfillProgress : IEngineMessage
{
    public static readonly GetBackfillProgress Instance = new();
}
