namespace ActorCdc.Sink.Postgres.Writing;

/// <summary>Values of the staging table's group column; partial images use 1, 2, ... (one per set of written columns).</summary>
internal static class StageGroups
{
    public const int Full = 0;
    public const int Rebased = -1;
    public const int Removed = -2;
}
