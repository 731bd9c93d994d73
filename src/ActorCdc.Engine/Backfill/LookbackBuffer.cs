using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;

namespace ActorCdc.Engine.Backfill;

/// <summary>
/// The table's recent streamed changes, kept while the table is backfilled so that a finishing chunk can overlay the
/// changes committed before its low watermark by transactions its snapshot does not see (DESIGN.md §3.5).
/// Bounded by a count and approximate bytes, oldest dropped first; it remembers which transactions it let go.
/// </summary>
/// <remarks>
/// PostgreSQL writes a commit record before it makes the transaction visible, so a snapshot taken after a low
/// watermark can miss a transaction whose commit precedes the watermark (for as long as synchronous replication holds
/// the committing backend, say). To answer "could a change I no longer hold be invisible to this snapshot?" the buffer
/// records every transaction whose changes it dropped or trimmed, as (first position, xid), up to
/// <c>maxRemovedTransactions</c> entries; beyond that the oldest entries are folded into their latest xid, which a
/// snapshot covers only when it precedes the snapshot's xmin. <see cref="ForgetRemovedVisibleTo"/> keeps the record
/// short, so that a long-running transaction holding xmin back does not void every chunk.
/// <para>Changes of transactions committed before the buffer's first change are unknown to it: the engine starts the
/// buffer when the table enters backfill, before its first chunk is requested.</para>
/// <para>Not thread-safe: owned by one TableEntity.</para>
/// </remarks>
public sealed class LookbackBuffer
{
    private readonly record struct RemovedTransaction(SourcePosition First, uint Xid);

    // Fixed cost of a retained entry on top of the change itself (queue slot holding the struct).
    private const int EntryOverhead = 32;

    private readonly int _maxChanges;
    private readonly long _maxBytes;
    private readonly int _maxRemovedTransactions;
    private readonly Queue<StreamedChange> _changes = new();
    private Queue<RemovedTransaction> _removed = new();
    private long _bytes;
    private SourcePosition _last = SourcePosition.Start;
    private bool _folded;
    private SourcePosition _foldedFirst;
    private uint _foldedMaxXid;
    private RemovedTransaction? _lastRemoved;

    /// <summary>A buffer that retains at most <paramref name="maxChanges"/> changes and about <paramref name="maxBytes"/> bytes.</summary>
    public LookbackBuffer(int maxChanges, long maxBytes, int maxRemovedTransactions = 65_536)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxChanges);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRemovedTransactions);
        _maxChanges = maxChanges;
        _maxBytes = maxBytes;
        _maxRemovedTransactions = maxRemovedTransactions;
    }

    /// <summary>Changes retained.</summary>
    public int Count => _changes.Count;

    /// <summary>Approximate managed bytes the retained changes hold.</summary>
    public long ApproximateBytes => _bytes;

    /// <summary>True once any change was dropped or trimmed.</summary>
    public bool HasRemoved => _folded || _removed.Count > 0;

    /// <summary>Transactions remembered one by one as removed (not counting the folded summary).</summary>
    public int RemovedTransactionCount => _removed.Count;

    /// <summary>Appends the next change of the table; a replay at or below the last position is ignored and returns false.</summary>
    public bool Add(StreamedChange change)
    {
        if (change.Position <= _last) return false;
        _last = change.Position;
        _changes.Enqueue(change);
        _bytes += SizeOf(change);
        while (_changes.Count > _maxChanges || (_bytes > _maxBytes && _changes.Count > 0))
            RemoveOldest();
        return true;
    }

    /// <summary>
    /// The retained changes before <paramref name="lowWatermark"/> whose transactions <paramref name="snapshot"/> does not
    /// see, in position order. <paramref name="insufficient"/> is true when a change no longer held may be one of them.
    /// </summary>
    public IReadOnlyList<StreamedChange> InvisibleBefore(SourcePosition lowWatermark, IXidVisibility snapshot, out bool insufficient)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        insufficient = MayHaveRemovedInvisible(lowWatermark, snapshot);
        List<StreamedChange>? result = null;
        foreach (var c in _changes)
        {
            if (c.Position >= lowWatermark) break;
            if (snapshot.IsVisible(c.Xid)) continue;
            (result ??= new List<StreamedChange>()).Add(c);
        }
        return result ?? (IReadOnlyList<StreamedChange>)Array.Empty<StreamedChange>();
    }

    /// <summary>Drops the changes before <paramref name="position"/> once no open chunk's low watermark is after them; they are remembered as removed.</summary>
    public void TrimBefore(SourcePosition position)
    {
        while (_changes.Count > 0 && _changes.Peek().Position < position)
            RemoveOldest();
    }

    /// <summary>
    /// Forgets removed transactions that <paramref name="snapshot"/> sees. Sound only when every open or future chunk's
    /// snapshot is taken after it, e.g. the snapshot of a finished chunk whose high watermark precedes every open chunk's low watermark.
    /// </summary>
    /// <remarks>Visibility only grows with time: a transaction an earlier snapshot sees, every later snapshot sees.</remarks>
    public void ForgetRemovedVisibleTo(IXidVisibility snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (_folded && XidOrder.Precedes(_foldedMaxXid, snapshot.XminLow32))
            _folded = false;
        var kept = new Queue<RemovedTransaction>();
        foreach (var r in _removed)
            if (!snapshot.IsVisible(r.Xid)) kept.Enqueue(r);
        _removed = kept;
    }

    private bool MayHaveRemovedInvisible(SourcePosition lowWatermark, IXidVisibility snapshot)
    {
        // The folded entries are the oldest removed; only their latest xid is known, and every invisible xid is at or after xmin.
        if (_folded && _foldedFirst < lowWatermark && !XidOrder.Precedes(_foldedMaxXid, snapshot.XminLow32))
            return true;
        foreach (var r in _removed)
        {
            if (r.First >= lowWatermark) break;
            if (!snapshot.IsVisible(r.Xid)) return true;
        }
        return false;
    }

    private void RemoveOldest()
    {
        var c = _changes.Dequeue();
        _bytes -= SizeOf(c);
        // A transaction's changes of one table are consecutive in the stream: remember each transaction once.
        if (_lastRemoved is { } last && last.Xid == c.Xid && last.First.CommitLsn == c.Position.CommitLsn) return;
        var entry = new RemovedTransaction(c.Position, c.Xid);
        _lastRemoved = entry;
        _removed.Enqueue(entry);
        if (_removed.Count > _maxRemovedTransactions)
            Fold(_removed.Dequeue());
    }

    private void Fold(RemovedTransaction r)
    {
        if (!_folded)
        {
            _folded = true;
            _foldedFirst = r.First;
            _foldedMaxXid = r.Xid;
            return;
        }
        _foldedMaxXid = XidOrder.Max(_foldedMaxXid, r.Xid);
    }

    private static long SizeOf(StreamedChange c) => c.Change.ApproximateBytes + EntryOverhead;
}
