using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Backfill;

namespace ActorCdc.Engine.Tables;

/// <summary>
/// The backfill side of one TableEntity: the lookback of recent changes and the open chunk merges (DESIGN.md §3.5).
/// Not thread-safe: owned by the entity, which also keeps the stream's order around a chunk whose rows are late.
/// </summary>
internal sealed class TableBackfill(int lookbackChanges, long lookbackBytes)
{
    private readonly Dictionary<(long Chunk, int Attempt), ChunkMerge> _merges = new();
    private readonly Dictionary<(long Chunk, int Attempt), WholeTableLoad> _wholeLoads = new();
    private readonly Dictionary<long, int> _dead = new(); // per chunk, the highest attempt abandoned or superseded
    private LookbackBuffer? _lookback;
    private TableSchema? _schema;
    private Lsn _fence = Lsn.Zero;

    public bool Active => _lookback is not null;

    /// <summary>
    /// Starts (or keeps) the lookback for a coordinator whose watermarks follow <paramref name="fence"/>. A newer fence
    /// means a new coordinator: every attempt open here belonged to the one before it, whose readers are gone, so they
    /// are forgotten (a chunk whose high watermark passed would otherwise wait for its end marker forever). Returns the
    /// number of attempts forgotten.
    /// </summary>
    public int Activate(TableSchema schema, Lsn fence)
    {
        _schema = schema;
        _lookback ??= new LookbackBuffer(lookbackChanges, lookbackBytes);
        if (fence <= _fence) return 0;
        _fence = fence;
        var forgotten = _merges.Count + _wholeLoads.Count;
        _merges.Clear();
        _wholeLoads.Clear();
        _dead.Clear();
        return forgotten;
    }

    /// <summary>Feeds a persisted stream batch to the lookback and to every open window.</summary>
    public void OnStreamBatch(ChangeBatch batch, uint xid)
    {
        if (_lookback is null) return;
        _schema = batch.Schema;
        foreach (var change in batch.Changes)
        {
            var sc = new StreamedChange(change, xid, batch.Schema);
            _lookback.Add(sc);
            foreach (var load in _wholeLoads.Values) load.OnWindowChange(sc);
            foreach (var merge in _merges.Values)
                if (merge.LowWatermark is not null && merge.HighWatermark is null) merge.OnWindowChange(sc);
        }
    }

    /// <summary>The table's backfill is done: the lookback and anything left open go (an open attempt is abandoned).</summary>
    public void Deactivate()
    {
        _lookback = null;
        _merges.Clear();
        _wholeLoads.Clear();
        _dead.Clear();
    }

    /// <summary>A low watermark; for a table without a key returns its one-pass load, which holds the stream until done.</summary>
    public WholeTableLoad? OnLow(long chunk, int attempt, SourcePosition position)
    {
        // Before the fence: an earlier coordinator's attempt, replayed from the slot; its reader is gone.
        if (position.CommitLsn < _fence) return null;
        if (_schema is { HasKey: false } && _lookback is not null)
        {
            if (IsDead(chunk, attempt)) return null;
            if (!_wholeLoads.TryGetValue((chunk, attempt), out var load))
            {
                Supersede(chunk, attempt - 1);
                _wholeLoads[(chunk, attempt)] = load = new WholeTableLoad(chunk, attempt, _schema);
            }
            load.OnLow(position);
            return load;
        }
        var merge = Get(chunk, attempt, _schema);
        merge?.OnLowWatermark(position);
        return null;
    }

    /// <summary>The high watermark of a one-pass load, or null when the attempt is not such a load.</summary>
    public WholeTableLoad? OnHighWhole(long chunk, int attempt, SourcePosition position)
    {
        if (!_wholeLoads.TryGetValue((chunk, attempt), out var load)) return null;
        load.OnHigh(position);
        return load;
    }

    /// <summary>Completes and forgets a one-pass load: its changes, or null when voided.</summary>
    public IReadOnlyList<RowChange>? Finish(WholeTableLoad load)
    {
        _wholeLoads.Remove((load.ChunkId, load.Attempt));
        return load.Complete(_lookback!);
    }

    /// <summary>The high watermark of a chunk reached the stream; returns its merge, or null for an attempt not known here.</summary>
    public ChunkMerge? OnHigh(long chunk, int attempt, SourcePosition position)
    {
        if (!_merges.TryGetValue((chunk, attempt), out var merge) || merge.LowWatermark is null) return null;
        merge.OnHighWatermark(position);
        return merge;
    }

    public ChunkMerge? OnRows(long chunk, int attempt, TableSchema schema, IReadOnlyList<ColumnValue[]> rows)
    {
        if (_wholeLoads.TryGetValue((chunk, attempt), out var load))
        {
            load.OnRows(schema, rows);
            return null;
        }
        if (!schema.HasKey) return null; // the one-pass load's rows before its low watermark: it is read again
        var merge = Get(chunk, attempt, schema);
        merge?.OnRows(schema, rows);
        return merge;
    }

    /// <summary>The chunk's reader finished; false for an attempt not known here.</summary>
    public bool OnEnd(long chunk, int attempt, IXidVisibility snapshot, long rows)
    {
        if (_wholeLoads.TryGetValue((chunk, attempt), out var load))
        {
            load.OnEnd(snapshot, rows);
            return true;
        }
        if (!_merges.TryGetValue((chunk, attempt), out var merge)) return false;
        merge.OnEnd(snapshot, rows);
        return true;
    }

    /// <summary>Merges and forgets a complete chunk: its rows at the high watermark, or null when voided.</summary>
    public IReadOnlyList<RowChange>? Finish(ChunkMerge merge)
    {
        _merges.Remove((merge.ChunkId, merge.Attempt));
        IReadOnlyList<RowChange>? rows = null;
        if (merge.TryComplete(_lookback!, out var merged)) rows = merged;
        TrimLookback();
        return rows;
    }

    /// <summary>
    /// Forgets an attempt (the coordinator gave up on it) and every earlier attempt of the chunk, and remembers it: its
    /// watermarks may still come after this (the slot replayed to a new incarnation of the entity), and a merge opened
    /// for them would wait at the head of the stream for an end marker that went elsewhere.
    /// </summary>
    public void Abandon(long chunk, int attempt) => Supersede(chunk, attempt);

    private bool IsDead(long chunk, int attempt) => _dead.TryGetValue(chunk, out var dead) && attempt <= dead;

    /// <summary>Attempts of a chunk up to <paramref name="attempt"/> are over (attempts of one coordinator only grow).</summary>
    private void Supersede(long chunk, int attempt)
    {
        if (attempt < 0 || IsDead(chunk, attempt)) return;
        _dead[chunk] = attempt;
        var trimmed = false;
        foreach (var key in _merges.Keys.Where(k => k.Chunk == chunk && k.Attempt <= attempt).ToList()) trimmed |= _merges.Remove(key);
        foreach (var key in _wholeLoads.Keys.Where(k => k.Chunk == chunk && k.Attempt <= attempt).ToList()) _wholeLoads.Remove(key);
        if (trimmed) TrimLookback();
    }

    public int OpenChunks => _merges.Count;

    /// <summary>True while the attempt is open (not finished, abandoned or unknown).</summary>
    public bool Knows(long chunk, int attempt) => _merges.ContainsKey((chunk, attempt)) || _wholeLoads.ContainsKey((chunk, attempt));

    private ChunkMerge? Get(long chunk, int attempt, TableSchema? schema)
    {
        if (_merges.TryGetValue((chunk, attempt), out var merge)) return merge;
        if (schema is null || _lookback is null || IsDead(chunk, attempt)) return null;
        Supersede(chunk, attempt - 1);
        merge = new ChunkMerge(chunk, attempt, schema);
        _merges[(chunk, attempt)] = merge;
        return merge;
    }

    /// <summary>Keeps only what an open chunk's low watermark may still need.</summary>
    private void TrimLookback()
    {
        if (_lookback is null) return;
        SourcePosition? oldest = null;
        if (_wholeLoads.Count > 0) return; // a one-pass load needs everything before its low watermark
        foreach (var m in _merges.Values)
        {
            if (m.LowWatermark is not { } lw) return; // a chunk without its low watermark yet may need everything
            if (oldest is null || lw < oldest) oldest = lw;
        }
        if (oldest is { } o) _lookback.TrimBefore(o);
    }
}
