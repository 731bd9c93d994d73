namespace ActorCdc.Engine.Configuration;

/// <summary><c>profile = auto | backfill | steady</c>: auto runs backfill while any table is being copied, then steady.</summary>
public enum ProfileMode
{
    Auto,
    Backfill,
    Steady,
}
