using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Storage;

namespace ActorCdc.Persistence.RocksDb.Checkpoints;

/// <summary>
/// Savepoints (DESIGN.md §4): a consistent, portable copy of every entity snapshot of a pipeline under
/// <c>savepoints/&lt;pipeline&gt;/&lt;savepoint id&gt;/</c>, described by a <c>manifest.json</c> written last, so an
/// interrupted savepoint is never listed.
/// </summary>
public sealed partial class SavepointStore
{
    /// <summary>The manifest format this build writes and reads.</summary>
    public const int FormatVersion = 1;

    private const string ManifestName = "manifest.json";
    private const string EntitiesFolder = "entities/";
    private const int Parallelism = 4;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    private readonly IObjectStore _store;
    private readonly Action<string> _warn;

    /// <summary>Savepoints in <paramref name="store"/>; <paramref name="warning"/> hears of unreadable manifests skipped by listings.</summary>
    public SavepointStore(IObjectStore store, Action<string>? warning = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _warn = warning ?? (_ => { });
    }

    /// <summary>Where savepoints go.</summary>
    public string Location => _store.Location;

    /// <summary>
    /// Writes a savepoint of <paramref name="pipeline"/> holding <paramref name="snapshots"/> (one per persistence id) and
    /// returns its manifest. The manifest is written after every entity object, so readers see all of it or nothing.
    /// </summary>
    public async Task<SavepointManifest> WriteAsync(string pipeline, IEnumerable<StoredSnapshot> snapshots, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(pipeline);
        ArgumentNullException.ThrowIfNull(snapshots);
        var list = snapshots.OrderBy(s => s.PersistenceId, StringComparer.Ordinal).ToList();
        for (var i = 1; i < list.Count; i++)
            if (list[i].PersistenceId == list[i - 1].PersistenceId)
                throw new ArgumentException($"a savepoint holds one snapshot per persistence id, but {list[i].PersistenceId} appears twice", nameof(snapshots));

        var created = DateTime.UtcNow;
        var id = created.ToString("yyyyMMdd'T'HHmmss'.'fff'Z'", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var folder = Folder(pipeline, id);
        var entries = new SavepointEntry[list.Count];
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, list.Count),
                new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
                async (i, token) =>
                {
                    var s = list[i];
                    var bytes = SnapshotObject.Encode(s, out var checksum);
                    var key = EntitiesFolder + CheckpointKeys.EscapeSegment(s.PersistenceId) + CheckpointKeys.SnapshotSuffix;
                    await _store.PutAsync(folder + key, bytes, token).ConfigureAwait(false);
                    entries[i] = new SavepointEntry(s.PersistenceId, s.SequenceNr, SnapshotObject.ToUtc(s.TimestampUtc), bytes.Length, "sha256:" + checksum, key);
                }).ConfigureAwait(false);
            var manifest = new SavepointManifest(id, pipeline, created, FormatVersion, entries);
            await _store.PutAsync(folder + ManifestName, JsonSerializer.SerializeToUtf8Bytes(manifest, Json), cancellationToken).ConfigureAwait(false);
            return manifest;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Without a manifest the objects are invisible anyway; removing them only saves space.
            await TryDeleteFolderAsync(folder).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The complete savepoints of <paramref name="pipeline"/>, newest first.</summary>
    public async Task<IReadOnlyList<SavepointManifest>> ListAsync(string pipeline, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(pipeline);
        var prefix = PipelineFolder(pipeline);
        var result = new List<SavepointManifest>();
        foreach (var o in await _store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var rest = o.Key.AsSpan(prefix.Length);
            var slash = rest.IndexOf('/');
            if (slash <= 0 || !rest[(slash + 1)..].SequenceEqual(ManifestName)) continue;
            var id = rest[..slash].ToString();
            var bytes = await _store.GetAsync(o.Key, cancellationToken).ConfigureAwait(false);
            if (bytes is null) continue; // deleted since the listing
            if (TryParseManifest(bytes, pipeline, id, out var manifest, out var error)) result.Add(manifest!);
            else _warn($"savepoint {id} of pipeline {pipeline} in {Location} is skipped: {error}");
        }
        result.Sort((a, b) => b.CreatedUtc != a.CreatedUtc ? b.CreatedUtc.CompareTo(a.CreatedUtc) : string.CompareOrdinal(b.SavepointId, a.SavepointId));
        return result;
    }

    /// <summary>
    /// Reads savepoint <paramref name="savepointId"/> of <paramref name="pipeline"/> with every snapshot verified against its
    /// checksum; throws a fatal <see cref="CdcException"/> when it is missing, incomplete or damaged.
    /// </summary>
    public async Task<Savepoint> ReadAsync(string pipeline, string savepointId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(pipeline);
        ValidateId(savepointId);
        var folder = Folder(pipeline, savepointId);
        var bytes = await _store.GetAsync(folder + ManifestName, cancellationToken).ConfigureAwait(false)
                    ?? throw CdcException.Fatal(
                        $"savepoint {savepointId} of pipeline {pipeline} was not found in {Location} (a savepoint without its manifest is " +
                        "incomplete and does not count); list the pipeline's savepoints and start from one of those.");
        if (!TryParseManifest(bytes, pipeline, savepointId, out var manifest, out var error))
            throw CdcException.Fatal($"savepoint {savepointId} of pipeline {pipeline} in {Location} cannot be used: {error}; start from another savepoint.");

        var snapshots = new StoredSnapshot[manifest!.Entries.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, snapshots.Length),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var entry = manifest.Entries[i];
                var what = $"savepoint {savepointId} of pipeline {pipeline} in {Location}: entry {entry.Key} ({entry.PersistenceId})";
                var objectBytes = await _store.GetAsync(folder + entry.Key, token).ConfigureAwait(false)
                                  ?? throw CdcException.Fatal($"{what} is missing; the savepoint is damaged, start from another one.");
                if (!SnapshotObject.TryDecode(objectBytes, out var snapshot, out var checksum, out var reason))
                    throw CdcException.Fatal($"{what} is corrupt ({reason}); start from another savepoint.");
                if ("sha256:" + checksum != entry.Checksum || snapshot!.PersistenceId != entry.PersistenceId || snapshot.SequenceNr != entry.SequenceNr)
                    throw CdcException.Fatal(
                        $"{what} does not match the manifest (object holds {snapshot!.PersistenceId} at {snapshot.SequenceNr}, sha256:{checksum}; " +
                        $"manifest says {entry.PersistenceId} at {entry.SequenceNr}, {entry.Checksum}); start from another savepoint.");
                snapshots[i] = snapshot;
            }).ConfigureAwait(false);
        return new Savepoint(manifest, snapshots);
    }

    /// <summary>Deletes a savepoint: its manifest first, so it stops being listed before its objects go.</summary>
    public async Task DeleteAsync(string pipeline, string savepointId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(pipeline);
        ValidateId(savepointId);
        var folder = Folder(pipeline, savepointId);
        await _store.DeleteAsync(folder + ManifestName, cancellationToken).ConfigureAwait(false);
        foreach (var o in await _store.ListAsync(folder, cancellationToken).ConfigureAwait(false))
            await _store.DeleteAsync(o.Key, cancellationToken).ConfigureAwait(false);
    }

    private async Task TryDeleteFolderAsync(string folder)
    {
        try
        {
            foreach (var o in await _store.ListAsync(folder, CancellationToken.None).ConfigureAwait(false))
                await _store.DeleteAsync(o.Key, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CdcException or IOException)
        {
            _warn($"could not remove the objects of an unfinished savepoint under {Location}/{folder}: {e.Message}; they are never listed and can be deleted by hand.");
        }
    }

    private static bool TryParseManifest(byte[] bytes, string pipeline, string id, out SavepointManifest? manifest, out string error)
    {
        manifest = null;
        try
        {
            manifest = JsonSerializer.Deserialize<SavepointManifest>(bytes, Json);
        }
        catch (JsonException e)
        {
            error = $"its manifest is not valid JSON ({e.Message})";
            return false;
        }
        if (manifest is null || manifest.Entries is null || manifest.Format != "actorcdc-savepoint")
            error = "its manifest is not an ActorCdc savepoint manifest";
        else if (manifest.FormatVersion > FormatVersion)
            error = $"it has format version {manifest.FormatVersion}, newer than this build reads ({FormatVersion}); use a newer ActorCdc";
        else if (manifest.Pipeline != pipeline || manifest.SavepointId != id)
            error = $"its manifest names savepoint {manifest.SavepointId} of pipeline {manifest.Pipeline}, not {id} of {pipeline}";
        else
            error = "";
        return error.Length == 0;
    }

    private static string PipelineFolder(string pipeline) => "savepoints/" + CheckpointKeys.EscapeSegment(pipeline) + "/";

    private static string Folder(string pipeline, string savepointId) => PipelineFolder(pipeline) + savepointId + "/";

    private static void ValidateId(string savepointId)
    {
        if (savepointId is null || !SavepointId().IsMatch(savepointId))
            throw new ArgumentException($"\"{savepointId}\" is not a savepoint id; ids look like 20260101T120000.000Z-a1b2c3", nameof(savepointId));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex SavepointId();
}
