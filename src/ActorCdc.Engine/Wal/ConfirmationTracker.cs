using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Wal;

/// <summary>
/// Computes how far the slot may be confirmed (DESIGN.md §3.3, ack-on = applied): the end LSN of the newest
/// transaction such that it and every transaction before it have every batch they sent durable. Tables with nothing
/// in flight never hold it back. Not thread-safe: owned by the WalReader.
/// </summary>
public sealed class ConfirmationTracker
{
    private sealed class Txn(Lsn commitLsn)
    {
        public Lsn CommitLsn { get; } = commitLsn;
        public Lsn EndLsn { get; set; }
        public DateTime CommitTimeUtc { get; set; }
        public bool Committed { get; set; }
        public int Outstanding { get; set; }
    }

    private readonly record struct SentBatch(SourcePosition Last, Txn Txn, int Bytes, int Rows);

    private readonly Queue<Txn> _txns = new();
    private readonly Dictionary<TableId, Queue<SentBatch>> _inFlight = new();
    private Txn? _open;

    /// <summary>The newest LSN that may be confirmed.</summary>
    public Lsn Confirmable { get; private set; }

    /// <summary>Commit time of the oldest committed transaction not yet durable, if any.</summary>
    public DateTime? OldestPendingCommitUtc
    {
        get
        {
            foreach (var t in _txns)
                if (t.Committed) return t.CommitTimeUtc;
            return null;
        }
    }

    public int PendingTransactions => _txns.Count;

    /// <summary>True when every batch sent is durable (transactions may still be open or uncommitted).</summary>
    public bool AllSentDurable
    {
        get
        {
            foreach (var q in _inFlight.Values)
                if (q.Count > 0) return false;
            return true;
        }
    }

    public void Begin(Lsn commitLsn)
    {
        if (_open is not null) throw new InvalidOperationException($"transaction {_open.CommitLsn} is still open");
        _open = new Txn(commitLsn);
        _txns.Enqueue(_open);
    }

    /// <summary>A batch of the open transaction was sent to its table entity.</summary>
    public void Sent(TableId table, SourcePosition last, int bytes, int rows)
    {
        var txn = _open ?? throw new InvalidOperationException("a batch outside a transaction");
        txn.Outstanding++;
        if (!_inFlight.TryGetValue(table, out var q)) _inFlight[table] = q = new Queue<SentBatch>();
        q.Enqueue(new SentBatch(last, txn, bytes, rows));
    }

    /// <summary>The open transaction committed; returns true when the confirmable LSN moved.</summary>
    public bool Commit(Lsn endLsn, DateTime commitTimeUtc)
    {
        var txn = _open ?? throw new InvalidOperationException("a commit without a begin");
        txn.EndLsn = endLsn;
        txn.CommitTimeUtc = commitTimeUtc;
        txn.Committed = true;
        _open = null;
        return Advance();
    }

    /// <summary>
    /// Everything of <paramref name="table"/> up to <paramref name="applied"/> is durable. Returns the bytes and rows of
    /// the batches this releases; <paramref name="advanced"/> says whether the confirmable LSN moved.
    /// </summary>
    public (long Bytes, long Rows) Durable(TableId table, SourcePosition applied, out bool advanced)
    {
        long bytes = 0, rows = 0;
        if (_inFlight.TryGetValue(table, out var q))
        {
            while (q.Count > 0 && q.Peek().Last <= applied)
            {
                var b = q.Dequeue();
                b.Txn.Outstanding--;
                bytes += b.Bytes;
                rows += b.Rows;
            }
        }
        advanced = Advance();
        return (bytes, rows);
    }

    /// <summary>
    /// A heartbeat written at <paramref name="lsn"/> outside any transaction arrived: every transaction committed before
    /// it has already been received, so when none is pending the slot may move to it (an idle database's slot advances).
    /// </summary>
    public bool Idle(Lsn lsn)
    {
        if (_open is not null || _txns.Count > 0 || lsn <= Confirmable) return false;
        Confirmable = lsn;
        return true;
    }

    /// <summary>True when something sent to <paramref name="table"/> is not durable yet.</summary>
    public bool HasInFlight(TableId table) => _inFlight.TryGetValue(table, out var q) && q.Count > 0;

    /// <summary>Bytes sent to <paramref name="table"/> and not yet durable.</summary>
    public long InFlightBytes(TableId table)
    {
        long n = 0;
        if (_inFlight.TryGetValue(table, out var q))
            foreach (var b in q) n += b.Bytes;
        return n;
    }

    /// <summary>Forgets everything in flight (after a reconnect the slot resends it); keeps <see cref="Confirmable"/>.</summary>
    public void Reset()
    {
        _txns.Clear();
        _inFlight.Clear();
        _open = null;
    }

    private bool Advance()
    {
        var moved = false;
        while (_txns.Count > 0 && _txns.Peek() is { Committed: true, Outstanding: 0 } head)
        {
            _txns.Dequeue();
            if (head.EndLsn > Confirmable)
            {
                Confirmable = head.EndLsn;
                moved = true;
            }
        }
        return moved;
    }
}
