using System.Globalization;
using ActorCdc.Core.Storage;

namespace ActorCdc.Persistence.RocksDb.Checkpoints;

/// <summary>
/// Journal segments in checkpoint storage (DESIGN.md §3.6, <c>ack-on = checkpointed</c>): the persisted-but-unapplied
/// events of one persistence id between two checkpoints, shipped so that another node can take over without the WAL.
/// Keys: <c>segments/&lt;escaped pid&gt;/&lt;from seqNr:D20&gt;-&lt;to seqNr:D20&gt;-&lt;epoch&gt;.seg</c>. Each object carries the
/// snapshot object's header and SHA-256, so a damaged or mislabelled segment is detected on read. Segments are written
/// and awaited before the snapshot that references them is saved: a snapshot in storage is the manifest of a
/// completed checkpoint and is always written last.
/// </summary>
public sealed class JournalSegmentStore(IObjectStore store)
{
    private const string Root = "segments/";
    private const string Suffix = ".seg";

    /// <summary>Where the segments go.</summary>
    public string Location => store.Location;

    /// <summary>The key of the segment of <paramref name="persistenceId"/> holding sequence numbers <paramref name="fromSequenceNr"/>..<paramref name="toSequenceNr"/>.</summary>
    public static string Key(string persistenceId, long epoch, long fromSequenceNr, long toSequenceNr) =>
        Prefix(persistenceId) + fromSequenceNr.ToString("D20", CultureInfo.InvariantCulture) + "-" +
        toSequenceNr.ToString("D20", CultureInfo.InvariantCulture) + "-" + epoch.ToString(CultureInfo.InvariantCulture) + Suffix;

    /// <summary>The folder of the segments of <paramref name="persistenceId"/>.</summary>
    public static string Prefix(string persistenceId) => Root + CheckpointKeys.EscapeSegment(persistenceId) + "/";

    /// <summary>Uploads a segment whole (retries are the caller's: a failed checkpoint is taken again).</summary>
    public Task PutAsync(string key, string persistenceId, long toSequenceNr, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var bytes = SnapshotObject.Encode(new StoredSnapshot(persistenceId, toSequenceNr, DateTime.UtcNow, payload), out _);
        return store.PutAsync(key, bytes, cancellationToken);
    }

    /// <summary>The payload of a segment, or null when it does not exist; throws <see cref="InvalidDataException"/> when it is damaged.</summary>
    public async Task<ReadOnlyMemory<byte>?> GetAsync(string key, string persistenceId, CancellationToken cancellationToken)
    {
        var bytes = await store.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (bytes is null) return null;
        if (!SnapshotObject.TryDecode(bytes, out var decoded, out _, out var error))
            throw new InvalidDataException($"journal segment {store.Location}/{key} is corrupt: {error}");
        if (decoded!.PersistenceId != persistenceId)
            throw new InvalidDataException($"journal segment {store.Location}/{key} belongs to {decoded.PersistenceId}, not {persistenceId}");
        return decoded.Payload;
    }

    /// <summary>Deletes a segment; a missing one is not an error.</summary>
    public Task DeleteAsync(string key, CancellationToken cancellationToken) => store.DeleteAsync(key, cancellationToken);

    /// <summary>Every segment key of <paramref name="persistenceId"/>, oldest first.</summary>
    public async Task<IReadOnlyList<string>> ListAsync(string persistenceId, CancellationToken cancellationToken)
    {
        var objects = await store.ListAsync(Prefix(persistenceId), cancellationToken).ConfigureAwait(false);
        var keys = new List<string>(objects.Count);
        foreach (var o in objects)
            if (o.Key.EndsWith(Suffix, StringComparison.Ordinal)) keys.Add(o.Key);
        return keys;
    }
}
