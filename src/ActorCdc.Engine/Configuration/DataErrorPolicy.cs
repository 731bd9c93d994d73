namespace ActorCdc.Engine.Configuration;

/// <summary>What happens to a row the sink rejects (DESIGN.md §5).</summary>
public enum DataErrorPolicy
{
    Fail,
    DeadLetter,
    Skip,
}
