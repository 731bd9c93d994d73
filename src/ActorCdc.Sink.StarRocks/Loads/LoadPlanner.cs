using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Sink.StarRocks.Ddl;
using ActorCdc.Sink.StarRocks.Json;

namespace ActorCdc.Sink.StarRocks.Loads;

/// <summary>
/// Turns one write's ordered changes into Stream Load bodies: each change becomes JSON objects with <c>"__op"</c>
/// (0 upsert of the new row, 1 delete of the key; a key change is both), a load closes when it reaches
/// <c>sink.max-batch-rows</c> or <c>sink.max-batch-bytes</c> (only between changes), and a TRUNCATE closes everything before it.
/// </summary>
/// <remarks>
/// Unchanged TOAST values make partial updates: rows are grouped by the set of columns they carry and each group is loaded
/// with <c>partial_update</c> and a <c>columns</c> header. Groups are loaded in any order, which is safe only while no key
/// sits in two groups: a <em>run</em> of changes therefore ends (every group is loaded) before a key would move to another
/// group, which keeps the per-key order. Deletes always go with the full rows. Everything depends only on the changes and
/// the settings, so the same changes always give the same loads and labels.
/// </remarks>
internal sealed class LoadPlanner : IDisposable
{
    private static readonly JsonEncodedText Op = JsonEncodedText.Encode("__op");

    private readonly PgValueWriter _values;
    private readonly int _maxRows;
    private readonly long _maxBytes;
    private readonly LoadGroup _full = new();
    private readonly List<LoadGroup> _partials = [];
    private readonly RowKeyComparer _keyComparer = new();
    private readonly Dictionary<ColumnValue[], LoadGroup> _keysInRun;
    private int _partialsInUse;
    private ulong[] _mask = [];
    private TargetTable _table = null!;
    private ILoadTarget _target = null!;

    public LoadPlanner(UnrepresentablePolicy policy, int maxRows, long maxBytes)
    {
        _values = new PgValueWriter(policy);
        _maxRows = maxRows;
        _maxBytes = maxBytes;
        _keysInRun = new Dictionary<ColumnValue[], LoadGroup>(_keyComparer);
    }

    /// <summary>Plans and sends the loads of <paramref name="changes"/>, in order, to <paramref name="target"/>.</summary>
    public async Task PlanAsync(TargetTable table, IReadOnlyList<RowChange> changes, ILoadTarget target, CancellationToken cancellationToken)
    {
        _table = table;
        _target = target;
        var keys = new int[table.Keys.Length];
        for (var i = 0; i < keys.Length; i++) keys[i] = table.Keys[i].SourceIndex;
        _keyComparer.Use(keys);
        var words = (table.Columns.Length + 63) / 64;
        if (_mask.Length != words) _mask = new ulong[words];
        ResetRun();
        var partialMode = HasPartialRows(changes);
        try
        {
            for (var i = 0; i < changes.Count; i++)
            {
                var change = changes[i];
                LoadGroup? touched = null;
                LoadGroup? touchedToo = null;
                switch (change.Kind)
                {
                    case ChangeKind.Truncate:
                        await FlushRunAsync(cancellationToken).ConfigureAwait(false);
                        await target.TruncateAsync(change.Position, cancellationToken).ConfigureAwait(false);
                        continue;
                    case ChangeKind.Insert:
                    case ChangeKind.Update:
                        {
                            var image = Required(change.New, change);
                            ColumnValue[]? movedFrom = null;
                            if (change.Old is { } old)
                            {
                                if (!_keyComparer.Equals(old, image)) movedFrom = old;
                                image = Fill(image, old);
                            }
                            if (partialMode)
                            {
                                (touched, touchedToo) = await UpsertAsync(image, movedFrom, change.Position, cancellationToken).ConfigureAwait(false);
                                break;
                            }
                            // Without partial updates everything stays synchronous: no state machine per row.
                            if (movedFrom is not null) touchedToo = Delete(movedFrom, change.Position);
                            touched = Upsert(_full, image, change.Position);
                            break;
                        }
                    case ChangeKind.Delete:
                        {
                            var key = change.Old ?? Required(change.New, change);
                            touched = partialMode ? await DeleteAsync(key, change.Position, cancellationToken).ConfigureAwait(false) : Delete(key, change.Position);
                            break;
                        }
                }
                // Bounds are checked between changes, so the two rows of a key change always share a load.
                if (touched is not null && Full(touched)) await FlushAsync(touched, cancellationToken).ConfigureAwait(false);
                if (touchedToo is not null && touchedToo != touched && Full(touchedToo)) await FlushAsync(touchedToo, cancellationToken).ConfigureAwait(false);
            }
            await FlushRunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // A failed write leaves nothing half-open for the next one.
            AbandonOpenGroups();
        }
    }

    private bool Full(LoadGroup group) => group.Rows >= _maxRows || group.Bytes >= _maxBytes;

    /// <summary>
    /// An upsert when partial updates are in play (with the delete of the old key when the update moved the row): the row
    /// joins the group of its column set, the delete joins the full rows. When a key sits in another group of the run,
    /// the run ends first — before either row is written, so that no load ends and the next begins inside one change
    /// (two loads of one group never share first and last positions, hence labels).
    /// </summary>
    private async ValueTask<(LoadGroup Upserted, LoadGroup? Deleted)> UpsertAsync(ColumnValue[] image, ColumnValue[]? movedFrom, SourcePosition position,
        CancellationToken cancellationToken)
    {
        var group = GroupFor(image);
        if (_keysInRun.TryGetValue(image, out var holder) && holder != group
            || movedFrom is not null && _keysInRun.TryGetValue(movedFrom, out var oldHolder) && oldHolder != _full)
        {
            await FlushRunAsync(cancellationToken).ConfigureAwait(false);
            group = GroupFor(image);
        }
        LoadGroup? deleted = null;
        if (movedFrom is not null)
        {
            _keysInRun[movedFrom] = _full;
            deleted = Delete(movedFrom, position);
        }
        _keysInRun[image] = group;
        return (Upsert(group, image, position), deleted);
    }

    private LoadGroup Upsert(LoadGroup group, ColumnValue[] image, SourcePosition position)
    {
        group.BeginRow(position);
        WriteUpsert(group.Writer, image);
        group.EndRow();
        return group;
    }

    /// <summary>A delete when partial updates are in play: deletes go with the full rows, ending the run first if the key is in a partial group.</summary>
    private async ValueTask<LoadGroup> DeleteAsync(ColumnValue[] key, SourcePosition position, CancellationToken cancellationToken)
    {
        if (_keysInRun.TryGetValue(key, out var holder) && holder != _full) await FlushRunAsync(cancellationToken).ConfigureAwait(false);
        _keysInRun[key] = _full;
        return Delete(key, position);
    }

    private LoadGroup Delete(ColumnValue[] key, SourcePosition position)
    {
        _full.BeginRow(position);
        var w = _full.Writer;
        w.WriteStartObject();
        foreach (var column in _table.Keys) WriteColumn(w, column, key[column.SourceIndex]);
        w.WriteNumber(Op, 1);
        w.WriteEndObject();
        _full.EndRow();
        return _full;
    }

    private void WriteUpsert(Utf8JsonWriter w, ColumnValue[] image)
    {
        w.WriteStartObject();
        foreach (var column in _table.Columns) WriteColumn(w, column, image[column.SourceIndex]);
        w.WriteNumber(Op, 0);
        w.WriteEndObject();
    }

    private void WriteColumn(Utf8JsonWriter w, EncodedColumn column, ColumnValue value)
    {
        switch (value.Kind)
        {
            case ValueKind.Text:
                w.WritePropertyName(column.JsonName);
                _values.Write(w, column, value.Text!);
                break;
            case ValueKind.Null:
                w.WriteNull(column.JsonName);
                break;
                // Unchanged TOAST and absent values are left out: a partial update keeps StarRocks' value.
        }
    }

    /// <summary>The group of rows carrying the same columns as <paramref name="image"/>.</summary>
    private LoadGroup GroupFor(ColumnValue[] image)
    {
        var mask = _mask.AsSpan();
        mask.Clear();
        var all = true;
        for (var i = 0; i < _table.Columns.Length; i++)
        {
            if (image[_table.Columns[i].SourceIndex].IsPresent) mask[i >> 6] |= 1UL << (i & 63);
            else all = false;
        }
        if (all) return _full;
        for (var g = 0; g < _partialsInUse; g++)
            if (_partials[g].HasMask(mask)) return _partials[g];
        if (_partialsInUse == _partials.Count) _partials.Add(new LoadGroup());
        var group = _partials[_partialsInUse++];
        var columns = ColumnsHeader(mask);
        group.Configure(mask.ToArray(), columns, Variant(columns));
        return group;
    }

    private string ColumnsHeader(ReadOnlySpan<ulong> mask)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < _table.Columns.Length; i++)
        {
            if ((mask[i >> 6] & (1UL << (i & 63))) == 0) continue;
            sb.Append(Sql.Ident(_table.Columns[i].Name)).Append(',');
        }
        return sb.Append("`__op`").ToString();
    }

    private static string Variant(string columns)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(columns), hash);
        return "p" + Convert.ToHexStringLower(hash[..4]);
    }

    private async Task FlushAsync(LoadGroup group, CancellationToken cancellationToken)
    {
        if (!group.IsOpen) return;
        group.Finish();
        await _target.LoadAsync(group, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Loads every group of the run; afterwards any key may go to any group.</summary>
    private async Task FlushRunAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(_full, cancellationToken).ConfigureAwait(false);
        for (var g = 0; g < _partialsInUse; g++) await FlushAsync(_partials[g], cancellationToken).ConfigureAwait(false);
        ResetRun();
    }

    private void ResetRun()
    {
        _keysInRun.Clear();
        _partialsInUse = 0;
        _full.Configure(null, null, null);
    }

    private void AbandonOpenGroups()
    {
        if (_full.IsOpen) _full.Finish();
        foreach (var g in _partials)
            if (g.IsOpen) g.Finish();
        ResetRun();
    }

    /// <summary>True when some update leaves values out that its old image cannot fill: partial updates are needed.</summary>
    private bool HasPartialRows(IReadOnlyList<RowChange> changes)
    {
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            if (change.Kind != ChangeKind.Update || change.New is not { } image) continue;
            foreach (var column in _table.Columns)
                if (!image[column.SourceIndex].IsPresent && (change.Old is not { } old || !old[column.SourceIndex].IsPresent)) return true;
        }
        return false;
    }

    /// <summary>With REPLICA IDENTITY FULL the old row carries the values an update left out.</summary>
    private ColumnValue[] Fill(ColumnValue[] image, ColumnValue[] old)
    {
        ColumnValue[]? filled = null;
        foreach (var column in _table.Columns)
        {
            var i = column.SourceIndex;
            if (image[i].IsPresent || !old[i].IsPresent) continue;
            filled ??= (ColumnValue[])image.Clone();
            filled[i] = old[i];
        }
        return filled ?? image;
    }

    private ColumnValue[] Required(ColumnValue[]? image, RowChange change) =>
        image ?? throw new InvalidOperationException($"{change} of {_table} carries no row image; the source sent an incomplete change.");

    public void Dispose()
    {
        _full.Dispose();
        foreach (var g in _partials) g.Dispose();
    }
}
