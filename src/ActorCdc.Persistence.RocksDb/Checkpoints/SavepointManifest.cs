namespace ActorCdc.Persistence.RocksDb.Checkpoints;

/// <summary>
/// The self-describing index of a savepoint (<c>manifest.json</c>, written last): which pipeline, when, in which format,
/// and one <see cref="SavepointEntry"/> per entity snapshot.
/// </summary>
public sealed record SavepointManifest(string SavepointId, string Pipeline, DateTime CreatedUtc, int FormatVersion, IReadOnlyList<SavepointEntry> Entries)
{
    /// <summary>Names the document's kind, so a manifest found on its own says what it is.</summary>
    public string Format { get; init; } = "actorcdc-savepoint";
}
