using ActorCdc.Source.Postgres.Decoding;

namespace ActorCdc.Source.Postgres.Streaming;

/// <summary>
/// The changes received so far of one in-progress streamed transaction, in stream order: a spilled head on disk
/// (oldest) followed by an in-memory tail. Remembers where each subtransaction's changes begin, so a rolled-back
/// subtransaction can be cut off the end, as PostgreSQL's own apply worker does.
/// </summary>
internal sealed class StreamedTransaction : IDisposable
{
    private readonly Func<uint, SpillFile> _createSpill;
    private readonly List<StreamedItem> _memory = new();
    private readonly List<SubtransactionStart> _subtransactions = new();
    private readonly HashSet<uint> _knownSubtransactions = new();
    private SpillFile? _spill;
    private long _spilledCount;

    public StreamedTransaction(uint xid, Func<uint, SpillFile> createSpill)
    {
        Xid = xid;
        _createSpill = createSpill;
    }

    public uint Xid { get; }

    /// <summary>Relation messages sent inside this transaction's stream: they describe its own changes only until it commits.</summary>
    public Dictionary<uint, RelationEntry> Relations { get; } = new();

    public long MemoryBytes { get; private set; }

    public long Count => _spilledCount + _memory.Count;

    public bool HasSpilled => _spill is not null;

    public void Add(uint subXid, in StreamedItem item, long bytes)
    {
        if (subXid != Xid && _knownSubtransactions.Add(subXid))
            _subtransactions.Add(new SubtransactionStart(subXid, Count));
        _memory.Add(item);
        MemoryBytes += bytes;
    }

    /// <summary>Moves the in-memory tail to disk; returns the bytes freed.</summary>
    public long Spill()
    {
        if (_memory.Count == 0) return 0;
        _spill ??= _createSpill(Xid);
        var next = 0;
        while (next < _subtransactions.Count && _subtransactions[next].Ordinal < _spilledCount) next++;
        for (var i = 0; i < _memory.Count; i++)
        {
            var ordinal = _spilledCount + i;
            // Record file offsets of subtransaction starts as they are written, for a later rollback.
            for (; next < _subtransactions.Count && _subtransactions[next].Ordinal == ordinal; next++)
                _subtransactions[next].FileOffset = _spill.Position;
            _spill.Write(_memory[i]);
        }
        _spilledCount += _memory.Count;
        _memory.Clear();
        var freed = MemoryBytes;
        MemoryBytes = 0;
        return freed;
    }

    /// <summary>
    /// Drops the changes of a rolled-back subtransaction: everything from its first change on, since later changes
    /// belong to it or to its children. Returns the in-memory bytes freed; an unknown xid streamed nothing.
    /// </summary>
    public long RollBack(uint subXid)
    {
        var at = _subtransactions.FindIndex(s => s.Xid == subXid);
        if (at < 0) return 0;
        var start = _subtransactions[at];
        for (var i = at; i < _subtransactions.Count; i++) _knownSubtransactions.Remove(_subtransactions[i].Xid);
        _subtransactions.RemoveRange(at, _subtransactions.Count - at);
        var before = MemoryBytes;
        if (start.Ordinal >= _spilledCount)
        {
            var from = (int)(start.Ordinal - _spilledCount);
            for (var i = from; i < _memory.Count; i++) MemoryBytes -= _memory[i].EstimateBytes();
            _memory.RemoveRange(from, _memory.Count - from);
        }
        else
        {
            _spill!.Truncate(start.FileOffset);
            _spilledCount = start.Ordinal;
            _memory.Clear();
            MemoryBytes = 0;
        }
        return before - MemoryBytes;
    }

    /// <summary>Every item in stream order: the spilled head, then the in-memory tail.</summary>
    public IEnumerable<StreamedItem> Replay()
    {
        if (_spill is not null)
            foreach (var item in _spill.ReadAll(_spilledCount))
                yield return item;
        foreach (var item in _memory)
            yield return item;
    }

    public void Dispose()
    {
        _spill?.Dispose();
        _spill = null;
        _memory.Clear();
        MemoryBytes = 0;
    }

    private sealed class SubtransactionStart(uint xid, long ordinal)
    {
        public uint Xid { get; } = xid;
        public long Ordinal { get; } = ordinal;
        public long FileOffset { get; set; } = -1;
    }
}
