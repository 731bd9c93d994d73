using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Core.Storage;
using ActorCdc.Sink.Files.Checkpoints;
using ActorCdc.Sink.Files.Columns;
using ActorCdc.Sink.Files.Layout;
using ActorCdc.Sink.Files.Writing;

namespace ActorCdc.Sink.Files;

/// <summary>
/// Writes one source table's changes as Parquet files, one open file per partition, staged in the store and published
/// only when the checkpoint that contains them completes (two-phase commit): after a crash no file is half visible and
/// no row is published twice.
/// </summary>
/// <remarks>
/// Calls come from one SinkWriter, one at a time. The factory's writer pool may close one of this table's idle files at
/// any moment to make room for another table's; it does so holding that file's gate and hands the finished file back
/// through <see cref="CloseEvictedAsync"/>, the only path by which another thread touches this object.
/// </remarks>
public sealed class ParquetTableSink : ITableSink, ICheckpointParticipant
{
    private readonly ParquetSinkFactory _factory;
    private readonly OpenWriterPool _pool;
    private readonly string _stagingPrefix;
    private readonly Dictionary<string, PartWriter> _open = new(StringComparer.Ordinal);
    private readonly HashSet<string> _textColumns = new(StringComparer.Ordinal);
    private readonly List<StagedFile> _staged = [];
    private readonly Dictionary<string, string> _stagedLocalPaths = new(StringComparer.Ordinal);
    private readonly object _sealedGate = new();
    private List<SealedPart> _sealed = [];
    private FileLayout? _layout;
    private SourcePosition _written = SourcePosition.Start;
    private SourcePosition _through = SourcePosition.Start;
    private volatile Exception? _broken;
    private Lsn _dateLsn;
    private DateOnly _date;
    private string _dateDirectory = "";

    internal ParquetTableSink(ParquetSinkFactory factory, TableId source, TableId target)
    {
        _factory = factory;
        _pool = factory.Writers;
        Source = source;
        Target = target;
        _stagingPrefix = ObjectKeys.StagingPrefix(factory.Settings.StagingPrefix, factory.Pipeline, source);
    }

    public TableId Source { get; }
    public TableId Target { get; }

    /// <summary>Files can only say what they hold once read back; the checkpoint token carries the position instead.</summary>
    public Task<SourcePosition?> ReadAppliedPositionAsync(CancellationToken cancellationToken) => Task.FromResult<SourcePosition?>(null);

    /// <summary>
    /// Appends the changes to the open files of their partitions. Changes at or below the last position written (or
    /// recovered from the last checkpoint) are replays and skipped. Files closed meanwhile are staged before returning.
    /// </summary>
    public async Task ApplyAsync(TableSchema schema, IReadOnlyList<RowChange> changes, SourcePosition upTo, CancellationToken cancellationToken)
    {
        ThrowIfBroken();
        var now = _factory.Time.GetUtcNow();
        PartWriter? writer = null;
        try
        {
            var layout = await LayoutForAsync(schema).ConfigureAwait(false);
            await RollAgedAsync(now).ConfigureAwait(false);
            string? partition = null;
            for (var i = 0; i < changes.Count; i++)
            {
                var change = changes[i];
                if (change.Position <= _written) continue;
                var p = PartitionOf(change.Position, now);
                if (writer is not null && p != partition)
                {
                    _pool.Release(writer);
                    writer = null;
                }
                partition = p;
                writer = await WriteChangeAsync(writer, p, change, now, cancellationToken).ConfigureAwait(false);
                _written = change.Position;
            }
        }
        catch (Exception e) when (e is not CdcException and not OperationCanceledException)
        {
            throw Break(e);
        }
        finally
        {
            if (writer is not null) _pool.Release(writer);
        }
        _through = SourcePosition.Max(_through, SourcePosition.Max(upTo, _written));
        await StageSealedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes every open file of the table, uploads the finished files under the staging prefix and returns a token
    /// naming every staged, unpublished file and the last position written into them.
    /// </summary>
    public async Task<byte[]> PrepareAsync(SourcePosition upTo, CancellationToken cancellationToken)
    {
        ThrowIfBroken();
        try
        {
            foreach (var writer in _open.Values)
            {
                await writer.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (!writer.IsClosed) await CloseOwnedAsync(writer).ConfigureAwait(false);
                }
                finally
                {
                    _pool.Release(writer);
                }
            }
            _open.Clear();
        }
        catch (Exception e) when (e is not CdcException and not OperationCanceledException)
        {
            throw Break(e);
        }
        await StageSealedAsync(cancellationToken).ConfigureAwait(false);
        // An eviction of one of our files may have failed after the loop above took its gate and let go.
        ThrowIfBroken();
        var through = SourcePosition.Max(_through, _written);
        return new CommitToken(Source.ToString(), upTo, through, _staged.ToArray()).ToBytes();
    }

    /// <summary>Publishes the token's files: put under the final key from the local copy (or the staged one), then delete the staged one.</summary>
    public async Task CommitAsync(byte[] token, CancellationToken cancellationToken)
    {
        var parsed = CommitToken.Parse(token);
        foreach (var file in parsed.Files) await PublishAsync(file, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts over from the last completed checkpoint: forgets local state, publishes the token's files if not yet
    /// published, deletes every other staged file of this table (written after that checkpoint) and skips replayed
    /// changes up to the token's last written position.
    /// </summary>
    public async Task RecoverAsync(byte[]? token, CancellationToken cancellationToken)
    {
        await ResetAsync().ConfigureAwait(false);
        var parsed = token is null ? null : CommitToken.Parse(token);
        if (parsed is not null && parsed.Source != Source.ToString())
            throw CdcException.Fatal($"The checkpoint token given to the Parquet sink of {Source} belongs to {parsed.Source}; the checkpoint does not match this table, so restore the matching checkpoint storage.");
        var keep = new HashSet<string>(StringComparer.Ordinal);
        if (parsed is not null)
        {
            foreach (var file in parsed.Files)
            {
                keep.Add(file.StagedKey);
                await PublishAsync(file, cancellationToken).ConfigureAwait(false);
            }
        }
        foreach (var orphan in await StoreCallAsync(s => s.ListAsync(_stagingPrefix, cancellationToken), "listing staged files").ConfigureAwait(false))
        {
            if (!keep.Contains(orphan.Key))
                await StoreCallAsync(s => s.DeleteAsync(orphan.Key, cancellationToken), "deleting an orphan staged file").ConfigureAwait(false);
        }
        _written = _through = parsed?.Through ?? SourcePosition.Start;
    }

    /// <summary>Drops open and unpublished local files; staged files stay for the next instance's recovery.</summary>
    public async ValueTask DisposeAsync() => await ResetAsync().ConfigureAwait(false);

    /// <summary>Called by the pool, holding the writer's gate, to close one of this table's idle files for room.</summary>
    internal async Task CloseEvictedAsync(PartWriter writer)
    {
        if (writer.IsClosed) return;
        try
        {
            AddSealed(await writer.CloseAsync().ConfigureAwait(false));
        }
        catch (Exception e)
        {
            // The table that needed room must not fail for us; this table fails at its next call instead.
            Break(e);
        }
    }

    private async ValueTask<PartWriter?> WriteChangeAsync(PartWriter? writer, string partition, RowChange change, DateTimeOffset now, CancellationToken cancellationToken)
    {
        switch (change.Kind)
        {
            case ChangeKind.Insert:
                return await WriteRowAsync(writer, partition, MetadataColumns.Insert, change.Position, change.New, now, cancellationToken).ConfigureAwait(false);
            case ChangeKind.Update:
                // The old image (a changed key, or REPLICA IDENTITY FULL) comes first, as Flink's UPDATE_BEFORE: readers
                // that merge by key delete the old key with it.
                if (change.Old is not null)
                    writer = await WriteRowAsync(writer, partition, MetadataColumns.UpdateBefore, change.Position, change.Old, now, cancellationToken).ConfigureAwait(false);
                return await WriteRowAsync(writer, partition, MetadataColumns.Update, change.Position, change.New, now, cancellationToken).ConfigureAwait(false);
            case ChangeKind.Delete:
                return await WriteRowAsync(writer, partition, MetadataColumns.Delete, change.Position, change.Old, now, cancellationToken).ConfigureAwait(false);
            default:
                return await WriteRowAsync(writer, partition, MetadataColumns.Truncate, change.Position, null, now, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Appends one row, opening, rolling or re-laying out the partition's file as needed; returns the file, gate held.</summary>
    private async ValueTask<PartWriter?> WriteRowAsync(PartWriter? writer, string partition, ReadOnlyMemory<char> op, SourcePosition position,
        ColumnValue[]? values, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = _factory.Settings;
        while (true)
        {
            writer ??= await AcquireAsync(partition, now, cancellationToken).ConfigureAwait(false);
            var bad = writer.TryAppend(op, position, values, settings.Unrepresentable == ParquetUnrepresentablePolicy.Null);
            if (bad < 0) break;
            var column = writer.Layout.Schema.Columns[bad];
            if (settings.Unrepresentable == ParquetUnrepresentablePolicy.Fail)
            {
                throw CdcException.DataError(
                    $"Value \"{values![bad].Text}\" of {Source}.{column.Name} ({column.TypeName}) at {position} does not fit its typed Parquet column; set sink.unrepresentable = string-column to keep it as text, or null to drop it.");
            }
            // Lossless fallback: from now on this column is PostgreSQL's text, in a new file (a file has one schema).
            _textColumns.Add(FileLayout.TextColumnKey(column));
            _layout = new FileLayout(_factory.Pipeline, Source, writer.Layout.Schema, _textColumns);
            await CloseOwnedAsync(writer).ConfigureAwait(false);
            _pool.Release(writer);
            writer = null;
        }
        if (writer.BufferedBytes >= settings.RowGroupMaxBytes) await writer.FlushRowGroupAsync().ConfigureAwait(false);
        if (writer.EstimatedSize >= settings.RollMaxBytes)
        {
            await CloseOwnedAsync(writer).ConfigureAwait(false);
            _pool.Release(writer);
            return null;
        }
        return writer;
    }

    /// <summary>The partition's open file with the current layout, gate held: the existing one, or a new admitted one.</summary>
    private async ValueTask<PartWriter> AcquireAsync(string partition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_open.TryGetValue(partition, out var current))
        {
            await current.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!current.IsClosed && ReferenceEquals(current.Layout, _layout) && now - current.OpenedAt < _factory.Settings.RollMaxAge)
            {
                _pool.Touch(current);
                return current;
            }
            try
            {
                if (!current.IsClosed) await CloseOwnedAsync(current).ConfigureAwait(false);
            }
            finally
            {
                _pool.Release(current);
            }
            _open.Remove(partition);
        }
        var writer = await PartWriter.CreateAsync(this, partition, _layout!, _factory.NewLocalPath(), _factory.ParquetOptions, now).ConfigureAwait(false);
        await writer.Gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await _pool.AdmitAsync(writer, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await writer.AbandonAsync().ConfigureAwait(false);
            writer.Gate.Release();
            throw;
        }
        _open[partition] = writer;
        return writer;
    }

    /// <summary>Closes a file this sink holds the gate of, and queues it for staging.</summary>
    private async Task CloseOwnedAsync(PartWriter writer)
    {
        _pool.Remove(writer);
        AddSealed(await writer.CloseAsync().ConfigureAwait(false));
    }

    /// <summary>The layout for <paramref name="schema"/>; a changed schema closes every open file (a file has one schema).</summary>
    private async Task<FileLayout> LayoutForAsync(TableSchema schema)
    {
        if (_layout is not null && (ReferenceEquals(_layout.Schema, schema) || _layout.Schema.SameShapeAs(schema))) return _layout;
        if (_layout is not null)
        {
            await CloseAllAsync().ConfigureAwait(false);
            // Columns that fell back to text keep doing so while they keep their name and type.
            var keep = new HashSet<string>(StringComparer.Ordinal);
            foreach (var column in schema.Columns)
                if (_textColumns.Contains(FileLayout.TextColumnKey(column))) keep.Add(FileLayout.TextColumnKey(column));
            _textColumns.Clear();
            _textColumns.UnionWith(keep);
        }
        return _layout = new FileLayout(_factory.Pipeline, Source, schema, _textColumns);
    }

    /// <summary>Closes files open longer than <c>sink.roll.max-age</c>, including those of partitions not written now.</summary>
    private async Task RollAgedAsync(DateTimeOffset now)
    {
        List<string>? aged = null;
        foreach (var (partition, writer) in _open)
            if (writer.IsClosed || now - writer.OpenedAt >= _factory.Settings.RollMaxAge) (aged ??= []).Add(partition);
        if (aged is null) return;
        foreach (var partition in aged)
        {
            var writer = _open[partition];
            await writer.Gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                if (!writer.IsClosed) await CloseOwnedAsync(writer).ConfigureAwait(false);
            }
            finally
            {
                _pool.Release(writer);
            }
            _open.Remove(partition);
        }
    }

    private async Task CloseAllAsync()
    {
        foreach (var writer in _open.Values)
        {
            await writer.Gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                if (!writer.IsClosed) await CloseOwnedAsync(writer).ConfigureAwait(false);
            }
            finally
            {
                _pool.Release(writer);
            }
        }
        _open.Clear();
    }

    private string PartitionOf(SourcePosition position, DateTimeOffset now)
    {
        var settings = _factory.Settings;
        if (settings.PartitionBy == ParquetPartitioning.None) return "";
        if (settings.PartitionBy == ParquetPartitioning.CommitDate && _factory.CommitTimeOf is { } commitTimeOf)
        {
            if (position.CommitLsn == _dateLsn && _dateDirectory.Length > 0) return _dateDirectory;
            var committed = commitTimeOf(position.CommitLsn);
            _dateLsn = position.CommitLsn;
            return DateDirectory(committed is { } t ? (t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t) : now.UtcDateTime);
        }
        _dateLsn = default;
        return DateDirectory(now.UtcDateTime);
    }

    private string DateDirectory(DateTime utc)
    {
        var date = DateOnly.FromDateTime(utc);
        if (date != _date || _dateDirectory.Length == 0)
        {
            _date = date;
            _dateDirectory = ObjectKeys.DateDirectory(date);
        }
        return _dateDirectory;
    }

    private void AddSealed(SealedPart part)
    {
        lock (_sealedGate) _sealed.Add(part);
    }

    /// <summary>Uploads finished local files under the staging prefix; what fails stays queued for the next call.</summary>
    private async Task StageSealedAsync(CancellationToken cancellationToken)
    {
        List<SealedPart> pending;
        lock (_sealedGate)
        {
            if (_sealed.Count == 0) return;
            pending = _sealed;
            _sealed = [];
        }
        var done = 0;
        try
        {
            for (; done < pending.Count; done++)
            {
                var part = pending[done];
                var staged = ObjectKeys.Staged(_stagingPrefix, part.Partition, part.First, part.Last, _factory.InstanceId);
                var final = ObjectKeys.Final(Target, part.Partition, part.First, part.Last);
                var stream = File.OpenRead(part.LocalPath);
                await using (stream.ConfigureAwait(false))
                    await StoreCallAsync(s => s.PutAsync(staged, stream, cancellationToken), "staging a file").ConfigureAwait(false);
                _staged.Add(new StagedFile(staged, final, part.Rows));
                _stagedLocalPaths[staged] = part.LocalPath;
            }
        }
        finally
        {
            if (done < pending.Count)
            {
                lock (_sealedGate) _sealed.InsertRange(0, pending.GetRange(done, pending.Count - done));
            }
        }
    }

    /// <summary>Makes one staged file visible under its final key; a file already published is left as it is.</summary>
    private async Task PublishAsync(StagedFile file, CancellationToken cancellationToken)
    {
        if (_stagedLocalPaths.TryGetValue(file.StagedKey, out var local) && File.Exists(local))
        {
            var stream = File.OpenRead(local);
            await using (stream.ConfigureAwait(false))
                await StoreCallAsync(s => s.PutAsync(file.FinalKey, stream, cancellationToken), "publishing a file").ConfigureAwait(false);
        }
        else
        {
            var content = await StoreCallAsync(s => s.GetAsync(file.StagedKey, cancellationToken), "reading a staged file").ConfigureAwait(false);
            if (content is null)
            {
                // Already published by an earlier commit of this token (or of a later one that carried the file too).
                var listed = await StoreCallAsync(s => s.ListAsync(file.FinalKey, cancellationToken), "checking a published file").ConfigureAwait(false);
                var found = false;
                foreach (var o in listed) found |= o.Key == file.FinalKey;
                if (!found)
                {
                    throw CdcException.Fatal(
                        $"Staged file {file.StagedKey} of {Source} ({file.Rows} rows of a completed checkpoint) is missing from {_factory.Store.Location} and was never published as {file.FinalKey}; restore it, or re-snapshot the table to rewrite those rows.");
                }
                Forget(file);
                return;
            }
            await StoreCallAsync(s => s.PutAsync(file.FinalKey, content, cancellationToken), "publishing a file").ConfigureAwait(false);
        }
        await StoreCallAsync(s => s.DeleteAsync(file.StagedKey, cancellationToken), "deleting a published file's staged copy").ConfigureAwait(false);
        Forget(file);
    }

    private void Forget(StagedFile file)
    {
        for (var i = 0; i < _staged.Count; i++)
        {
            if (_staged[i].StagedKey != file.StagedKey) continue;
            _staged.RemoveAt(i);
            break;
        }
        if (_stagedLocalPaths.Remove(file.StagedKey, out var local)) TryDelete(local);
    }

    /// <summary>Forgets everything local: open files, finished and staged local copies; clears a failure.</summary>
    private async Task ResetAsync()
    {
        foreach (var writer in _open.Values)
        {
            await writer.Gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                _pool.Remove(writer);
                await writer.AbandonAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // Only a local file left behind in this instance's own directory.
            }
            finally
            {
                _pool.Release(writer);
            }
        }
        _open.Clear();
        List<SealedPart> sealedParts;
        lock (_sealedGate)
        {
            sealedParts = _sealed;
            _sealed = [];
        }
        foreach (var part in sealedParts) TryDelete(part.LocalPath);
        foreach (var local in _stagedLocalPaths.Values) TryDelete(local);
        _stagedLocalPaths.Clear();
        _staged.Clear();
        _layout = null;
        _textColumns.Clear();
        _broken = null;
    }

    private async Task<T> StoreCallAsync<T>(Func<IObjectStore, Task<T>> call, string what)
    {
        try
        {
            return await call(_factory.Store).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not CdcException and not OperationCanceledException)
        {
            throw CdcException.Transient($"The Parquet sink failed {what} for {Source} in {_factory.Store.Location} ({e.Message}); it is retried.", e);
        }
    }

    private async Task StoreCallAsync(Func<IObjectStore, Task> call, string what)
    {
        try
        {
            await call(_factory.Store).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not CdcException and not OperationCanceledException)
        {
            throw CdcException.Transient($"The Parquet sink failed {what} for {Source} in {_factory.Store.Location} ({e.Message}); it is retried.", e);
        }
    }

    private CdcException Break(Exception e)
    {
        var failure = CdcException.Fatal(
            $"Writing the local Parquet files of {Source} failed ({e.Message}); rows not yet checkpointed are lost from them, so restart the pipeline to resume from the last checkpoint (check free space in {_factory.Settings.LocalDirectory}).", e);
        _broken ??= failure;
        return failure;
    }

    private void ThrowIfBroken()
    {
        if (_broken is { } broken) throw broken;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Litter in this instance's own local directory, removed with it.
        }
    }
}
