namespace ActorCdc.Core.Changes;

/// <summary>The operation a captured change performs on its table.</summary>
public enum ChangeKind : byte
{
    Insert = 1,
    Update = 2,
    Delete = 3,
    Truncate = 4,
}
