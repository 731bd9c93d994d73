using ActorCdc.Engine.Protocol;

namespace ActorCdc.Engine.Snapshots;

/// <summary>
/// The answer to <see cref="GetBackfillProgress"/>: every table's figures. A record rather than a bare list so that it
/// has a manifest in the engine serializer and crosses nodes (the asker may be on another node than the manager).
/// </summary>
public sealed record BackfillProgress(IReadOnlyList<BackfillTableProgress> Tables) : IEngineMessage
{
    public bool Equals(BackfillProgress? other) => other is not null && Tables.SequenceEqual(other.Tables);

    public override int GetHashCode() => Tables.Count;
}
