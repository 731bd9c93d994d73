using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Backfill;

/// <summary>
/// Merges one attempt of one backfill chunk (DBLog watermarks, DESIGN.md §3.5): the chunk's rows as its snapshot saw
/// them, overlaid with every change before the high watermark that the snapshot does not see, emitted at the high watermark.
/// </summary>
/// <remarks>
/// <para>Inputs come from two senders in any interleaving: the stream (low watermark, window changes, high watermark, in
/// order) and the ChunkReader (rows in key order over several calls, then the end marker with the snapshot). The result
/// does not depend on how the two interleave; it is ready once both the high watermark and the end marker are in.</para>
/// <para>Which changes are overlaid: those before the high watermark whose transaction the snapshot does not see, i.e.
/// the lookback buffer's invisible changes before the low watermark and the window's invisible changes. A window change
/// the snapshot sees is already in the chunk's rows and is not re-applied: replaying it on a newer image can put a wrong
/// value into an unchanged TOAST column (a key move a→b, then a new row at a, both seen: replaying the move would copy
/// the new a's value into b). PostgreSQL serializes writers of one row on the writer's transaction lock, which it releases
/// only after the transaction is visible, so per row the snapshot sees a prefix of the row's history and the overlaid
/// changes are the rest of it, in order: the merge replays exactly the history after the snapshot.</para>
/// <para>Rows whose key lies outside the chunk's range can be emitted too (an insert or a key move in the window, with a
/// complete image); they carry the row's state at the high watermark, so upserting them is harmless. A row whose image
/// cannot be completed (unchanged TOAST value with no previous image) is left out: the streamed change already reached
/// the sink and the chunk must not overwrite it with a guess.</para>
/// <para>Tables without a key are not merged here: they are read whole in one pass from an exported snapshot (issue 4,
/// item 2) and the engine loads them without a merge.</para>
/// <para>Memory: the chunk's rows (chunk size × row size) in an ordered slot list plus a dictionary keyed by the rows'
/// key columns (one entry per row, no separate key objects), and the window's changes until the snapshot is known,
/// then only those it does not see. Everything is released on completion or when the attempt is voided.</para>
/// <para>Not thread-safe: owned by one TableEntity.</para>
/// </remarks>
public sealed class ChunkMerge
{
    private readonly TableSchema _tableSchema;
    private readonly List<StreamedChange> _window = new();
    private readonly List<TableSchema> _windowSchemas = new(1);
    private List<ColumnValue[]?> _slots = new();
    private Dictionary<ColumnValue[], int>? _slotOf;
    private RowKeyComparer? _keys;
    private TableSchema? _chunkSchema;
    private SourcePosition _lastWindow;
    private IXidVisibility? _snapshot;
    private bool _completed;

    /// <summary>A merge for an attempt whose low watermark the stream has not reached yet (rows may arrive first).</summary>
    public ChunkMerge(long chunkId, int attempt, TableSchema tableSchema)
    {
        ArgumentNullException.ThrowIfNull(tableSchema);
        if (!tableSchema.HasKey)
            throw new ArgumentException(
                $"Table {tableSchema.Table} has no key: tables without a key are read whole in one pass and not merged per chunk.",
                nameof(tableSchema));
        ChunkId = chunkId;
        Attempt = attempt;
        _tableSchema = tableSchema;
    }

    /// <summary>A merge for an attempt whose low watermark the stream has just reached.</summary>
    public ChunkMerge(long chunkId, int attempt, TableSchema tableSchema, SourcePosition lowWatermark)
        : this(chunkId, attempt, tableSchema) => OnLowWatermark(lowWatermark);

    public long ChunkId { get; }
    public int Attempt { get; }

    /// <summary>The low watermark's position, once the stream reached it.</summary>
    public SourcePosition? LowWatermark { get; private set; }

    /// <summary>The high watermark's position, once the stream reached it.</summary>
    public SourcePosition? HighWatermark { get; private set; }

    /// <summary>Chunk rows received so far.</summary>
    public long RowsReceived { get; private set; }

    /// <summary>True when the end marker arrived.</summary>
    public bool EndReceived => _snapshot is not null;

    /// <summary>True once the low and high watermarks and the end marker are all in: <see cref="TryComplete"/> may be called.</summary>
    public bool IsComplete => LowWatermark.HasValue && HighWatermark.HasValue && _snapshot is not null;

    /// <summary>True when the attempt's rows cannot be trusted; the chunk must be read again.</summary>
    public bool Voided => VoidReason != ChunkVoidReason.None;

    public ChunkVoidReason VoidReason { get; private set; }

    /// <summary>A sentence saying why the attempt was voided, for logs; null when not voided.</summary>
    public string? VoidDetail { get; private set; }

    /// <summary>The schema of the merged rows: the chunk's, or the table's at creation when the chunk sent no rows.</summary>
    public TableSchema ResultSchema => _chunkSchema ?? _tableSchema;

    /// <summary>Records the low watermark's position; window changes are accepted after it.</summary>
    public void OnLowWatermark(SourcePosition lowWatermark)
    {
        if (LowWatermark.HasValue)
        {
            // Two readers of one attempt (the coordinator's node died after dispatching it): rows of both may arrive.
            Void(ChunkVoidReason.DuplicateAttempt, $"A second low watermark at {lowWatermark}, the first was at {LowWatermark}: two readers read this attempt.");
            return;
        }
        LowWatermark = lowWatermark;
        _lastWindow = lowWatermark;
    }

    /// <summary>A change of the table after the low watermark and before the high watermark, in stream order.</summary>
    public void OnWindowChange(StreamedChange change)
    {
        if (!LowWatermark.HasValue) throw new InvalidOperationException($"Chunk {ChunkId} attempt {Attempt}: a window change arrived before the low watermark.");
        if (HighWatermark.HasValue) throw new InvalidOperationException($"Chunk {ChunkId} attempt {Attempt}: a window change arrived after the high watermark {HighWatermark}.");
        if (change.Position <= _lastWindow)
            throw new ArgumentException($"Window change at {change.Position} is not after {_lastWindow}: window changes arrive in stream order after the low watermark.", nameof(change));
        _lastWindow = change.Position;
        if (Voided) return;
        Validate(change);
        if (change.Change.Kind == ChangeKind.Truncate)
        {
            Void(ChunkVoidReason.Truncate, $"TRUNCATE at {change.Position} inside the window.");
            return;
        }
        if (!_windowSchemas.Contains(change.Schema))
        {
            _windowSchemas.Add(change.Schema);
            if (_chunkSchema is not null && !_chunkSchema.SameShapeAs(change.Schema))
            {
                VoidSchemaChanged(change);
                return;
            }
        }
        // Once the snapshot is known, a change it sees is already in the rows: no need to hold it.
        if (_snapshot is null || !_snapshot.IsVisible(change.Xid))
            _window.Add(change);
    }

    /// <summary>Records the high watermark's position: the window is closed.</summary>
    public void OnHighWatermark(SourcePosition highWatermark)
    {
        if (!LowWatermark.HasValue) throw new InvalidOperationException($"Chunk {ChunkId} attempt {Attempt}: the high watermark arrived before the low watermark.");
        if (HighWatermark.HasValue) throw new InvalidOperationException($"Chunk {ChunkId} attempt {Attempt} already has its high watermark at {HighWatermark}.");
        if (highWatermark <= _lastWindow)
            throw new ArgumentException($"High watermark {highWatermark} is not after {_lastWindow}.", nameof(highWatermark));
        HighWatermark = highWatermark;
    }

    /// <summary>The next rows of the chunk, in key order, as the snapshot saw them (every column a value or NULL); the arrays are kept, not copied.</summary>
    public void OnRows(TableSchema chunkSchema, IReadOnlyList<ColumnValue[]> rows)
    {
        ArgumentNullException.ThrowIfNull(chunkSchema);
        ArgumentNullException.ThrowIfNull(rows);
        if (_snapshot is not null) throw new InvalidOperationException($"Chunk {ChunkId} attempt {Attempt}: rows arrived after the end marker.");
        RowsReceived += rows.Count;
        if (Voided) return;
        if (_chunkSchema is null)
        {
            if (!chunkSchema.HasKey)
                throw new ArgumentException($"Chunk rows of {chunkSchema.Table} come without a key: tables without a key are not merged per chunk.", nameof(chunkSchema));
            _chunkSchema = chunkSchema;
            StartRows(chunkSchema);
            foreach (var s in _windowSchemas)
                if (!chunkSchema.SameShapeAs(s))
                {
                    Void(ChunkVoidReason.SchemaChanged, $"The chunk was read as {chunkSchema} but a window change has {s}: the schema changed mid-chunk.");
                    return;
                }
        }
        else if (!ReferenceEquals(chunkSchema, _chunkSchema) && !chunkSchema.SameShapeAs(_chunkSchema))
        {
            Void(ChunkVoidReason.SchemaChanged, $"Chunk rows came as {_chunkSchema} and then as {chunkSchema}.");
            return;
        }

        var width = chunkSchema.Columns.Count;
        for (var r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            if (row.Length != width)
                throw new ArgumentException($"Chunk row {RowsReceived - rows.Count + r} has {row.Length} columns; {chunkSchema.Table} has {width}.", nameof(rows));
            foreach (var v in row)
                if (!v.IsPresent)
                    throw new ArgumentException($"Chunk row {RowsReceived - rows.Count + r} holds {v}: chunk rows carry every column's value.", nameof(rows));
            var slot = _slots.Count;
            if (!_slotOf!.TryAdd(row, slot))
            {
                Void(ChunkVoidReason.DuplicateKey, $"Two chunk rows share the key of row {RowsReceived - rows.Count + r}: the key columns must be unique.");
                return;
            }
            _slots.Add(row);
        }
    }

    /// <summary>The reader's end marker: the snapshot the chunk was read in and how many rows it sent.</summary>
    public void OnEnd(IXidVisibility snapshot, long rowCount)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (_snapshot is not null) throw new InvalidOperationException($"Chunk {ChunkId} attempt {Attempt} already has its end marker.");
        _snapshot = snapshot;
        if (Voided) return;
        if (rowCount != RowsReceived)
        {
            Void(ChunkVoidReason.RowCountMismatch, $"The reader sent {rowCount} rows but {RowsReceived} arrived.");
            return;
        }
        // Window changes the snapshot sees are already in the rows.
        _window.RemoveAll(c => snapshot.IsVisible(c.Xid));
    }

    /// <summary>
    /// Merges the chunk once <see cref="IsComplete"/>: the rows as of the high watermark, as inserts at (high watermark's
    /// commit LSN, 1..n), chunk rows in key order then rows added by the overlay. False (and <see cref="Voided"/>) when the
    /// chunk must be read again; a voided attempt answers false even before it is complete.
    /// </summary>
    public bool TryComplete(LookbackBuffer lookback, out IReadOnlyList<RowChange> rows)
    {
        ArgumentNullException.ThrowIfNull(lookback);
        if (_completed) throw new InvalidOperationException($"Chunk {ChunkId} attempt {Attempt} was already completed.");
        rows = Array.Empty<RowChange>();
        if (Voided) return false;
        if (!IsComplete)
            throw new InvalidOperationException(
                $"Chunk {ChunkId} attempt {Attempt} is not complete: low watermark {Seen(LowWatermark.HasValue)}, high watermark {Seen(HighWatermark.HasValue)}, end marker {Seen(EndReceived)}.");

        var schema = ResultSchema;
        if (_slotOf is null) StartRows(schema);
        if (_chunkSchema is null)
            foreach (var s in _windowSchemas)
                if (!schema.SameShapeAs(s))
                {
                    Void(ChunkVoidReason.SchemaChanged, $"The table was {schema} at the low watermark but a window change has {s}: the schema changed mid-chunk.");
                    return false;
                }

        var lw = LowWatermark!.Value;
        var before = lookback.InvisibleBefore(lw, _snapshot!, out var insufficient);
        if (insufficient)
        {
            Void(ChunkVoidReason.LookbackInsufficient,
                $"The lookback buffer dropped changes before {lw} that the chunk's snapshot may not see; a larger buffer avoids rereading.");
            return false;
        }
        for (var i = 0; i < before.Count; i++)
        {
            var c = before[i];
            Validate(c);
            if (c.Change.Kind == ChangeKind.Truncate)
            {
                Void(ChunkVoidReason.Truncate, $"TRUNCATE at {c.Position}, before the low watermark, by transaction {c.Xid} that the chunk's snapshot does not see.");
                return false;
            }
            if (!ReferenceEquals(c.Schema, schema) && !schema.SameShapeAs(c.Schema))
            {
                VoidSchemaChanged(c);
                return false;
            }
            if (!Apply(c)) return false;
        }
        foreach (var c in _window)
            if (!Apply(c)) return false;

        var hw = HighWatermark!.Value.CommitLsn;
        var result = new List<RowChange>(_slots.Count);
        foreach (var row in _slots)
            if (row is not null)
                result.Add(new RowChange(ChangeKind.Insert, new SourcePosition(hw, result.Count + 1), row, null));
        rows = result;
        _completed = true;
        Release();
        return true;
    }

    /// <summary>As <see cref="TryComplete"/>, throwing when the attempt is voided.</summary>
    public IReadOnlyList<RowChange> Complete(LookbackBuffer lookback)
    {
        if (TryComplete(lookback, out var rows)) return rows;
        throw new InvalidOperationException($"Chunk {ChunkId} attempt {Attempt} was voided ({VoidReason}): {VoidDetail} Read the chunk again.");
    }

    private bool Apply(StreamedChange sc)
    {
        var c = sc.Change;
        switch (c.Kind)
        {
            case ChangeKind.Insert:
                {
                    var row = c.New!;
                    if (!_keys!.HasKey(row)) return Unlocatable(sc);
                    if (IsFull(row)) Put(row);
                    else Remove(row); // an insert always carries every column; never emit a guess
                    return true;
                }
            case ChangeKind.Delete:
                {
                    var old = c.Old!;
                    if (!_keys!.HasKey(old)) return Unlocatable(sc);
                    Remove(old);
                    return true;
                }
            case ChangeKind.Update:
                return ApplyUpdate(sc);
            default:
                Void(ChunkVoidReason.Truncate, $"TRUNCATE at {c.Position} among the changes overlaid on the chunk.");
                return false;
        }
    }

    private bool ApplyUpdate(StreamedChange sc)
    {
        var keys = _keys!;
        var @new = sc.Change.New!;
        var old = sc.Change.Old;
        if (old is not null && !keys.HasKey(old)) return Unlocatable(sc);
        if (!keys.HasKey(@new))
        {
            // An unchanged TOASTed key column: the key did not change, so the old tuple names it.
            if (old is null) return Unlocatable(sc);
            @new = Fill(@new, old, null);
        }

        if (old is not null && !keys.Equals(old, @new))
        {
            // Key change: the row leaves the old key; its image fills the columns the update left unchanged. With
            // REPLICA IDENTITY FULL the old tuple itself is that image.
            var previous = Get(old);
            Remove(old);
            var moved = Fill(@new, old, previous);
            if (IsFull(moved)) Put(moved);
            else Remove(moved);
            return true;
        }

        var current = Get(@new);
        if (current is not null)
        {
            if (IsFull(@new))
            {
                Put(@new);
                return true;
            }
            var merged = (ColumnValue[])current.Clone();
            for (var i = 0; i < @new.Length; i++)
                if (@new[i].IsPresent) merged[i] = @new[i];
            Put(merged);
            return true;
        }
        var added = Fill(@new, old, null);
        if (IsFull(added)) Put(added);
        return true;
    }

    private void StartRows(TableSchema schema)
    {
        _keys = new RowKeyComparer(schema.KeyIndexes);
        _slotOf = new Dictionary<ColumnValue[], int>(_keys);
    }

    private ColumnValue[]? Get(ColumnValue[] keyOf) => _slotOf!.TryGetValue(keyOf, out var slot) ? _slots[slot] : null;

    // Arrays are never changed in place: the dictionary's key for a slot stays the first array stored there.
    private void Put(ColumnValue[] row)
    {
        if (_slotOf!.TryGetValue(row, out var slot))
        {
            _slots[slot] = row;
            return;
        }
        _slotOf.Add(row, _slots.Count);
        _slots.Add(row);
    }

    private void Remove(ColumnValue[] keyOf)
    {
        if (_slotOf!.TryGetValue(keyOf, out var slot)) _slots[slot] = null;
    }

    private static ColumnValue[] Fill(ColumnValue[] image, ColumnValue[]? first, ColumnValue[]? second)
    {
        if (IsFull(image)) return image;
        var filled = (ColumnValue[])image.Clone();
        for (var i = 0; i < filled.Length; i++)
        {
            if (filled[i].IsPresent) continue;
            if (first is not null && first[i].IsPresent) filled[i] = first[i];
            else if (second is not null && second[i].IsPresent) filled[i] = second[i];
        }
        return filled;
    }

    private static bool IsFull(ColumnValue[] row)
    {
        foreach (var v in row)
            if (!v.IsPresent) return false;
        return true;
    }

    private static void Validate(StreamedChange sc)
    {
        var c = sc.Change ?? throw new ArgumentException("A streamed change needs its row change.", nameof(sc));
        var width = sc.Schema.Columns.Count;
        var ok = c.Kind switch
        {
            ChangeKind.Insert => c.New is not null && c.New.Length == width,
            ChangeKind.Update => c.New is not null && c.New.Length == width && (c.Old is null || c.Old.Length == width),
            ChangeKind.Delete => c.Old is not null && c.Old.Length == width,
            ChangeKind.Truncate => true,
            _ => false,
        };
        if (!ok)
            throw new ArgumentException($"{c} does not carry the tuples its kind needs with {width} columns of {sc.Schema.Table}.", nameof(sc));
    }

    private bool Unlocatable(StreamedChange sc)
    {
        Void(ChunkVoidReason.UnlocatableChange, $"{sc.Change} of transaction {sc.Xid} does not carry the key of the row it touches.");
        return false;
    }

    private void VoidSchemaChanged(StreamedChange c) =>
        Void(ChunkVoidReason.SchemaChanged, $"The chunk's rows are {ResultSchema} but the change at {c.Position} has {c.Schema}: the schema changed mid-chunk.");

    private void Void(ChunkVoidReason reason, string detail)
    {
        if (Voided) return;
        VoidReason = reason;
        VoidDetail = detail;
        Release();
    }

    private void Release()
    {
        _slots = new List<ColumnValue[]?>();
        _slotOf = null;
        _window.Clear();
        _window.TrimExcess();
    }

    private static string Seen(bool seen) => seen ? "seen" : "missing";
}
