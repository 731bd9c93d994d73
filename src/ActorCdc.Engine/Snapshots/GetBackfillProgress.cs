namespace ActorCdc.Engine.Snapshots;

/// <summary>Asks the SnapshotCoordinator for every table's <see cref="BackfillTableProgress"/>.</summary>
public sealed record GetBackfillProgress
{
    public static readonly GetBackfillProgress Instance = new();
}
