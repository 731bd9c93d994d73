using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Backfill;
using Xunit;
using static ActorCdc.Engine.Tests.Backfill.Rows;

namespace ActorCdc.Engine.Tests.Backfill;

/// <summary>
/// Random histories of inserts, updates (partial with unchanged TOAST, key moves) and deletes on a small key space,
/// split by the watermarks, read by a snapshot that misses some transactions committed before the low watermark and
/// sees some committed after it: the merged rows must be the table as of the high watermark.
/// </summary>
public class ChunkMergeModelTests
{
    private const int Keys = 8;
    private const int RangeLow = 2, RangeHigh = 5;

    private sealed record Transaction(uint Xid, Lsn CommitLsn, List<StreamedChange> Changes, HashSet<int> Touched);

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Merged_rows_equal_the_table_at_the_high_watermark(bool chunkCoversEveryKey, bool replicaIdentityFull)
    {
        for (var seed = 0; seed < 2000; seed++)
            RunOne(seed, chunkCoversEveryKey, replicaIdentityFull);
    }

    private static void RunOne(int seed, bool coversEveryKey, bool full)
    {
        var random = new Random(seed);
        var schema = full ? FullTable : Table;
        bool InChunk(int key) => coversEveryKey || (key >= RangeLow && key <= RangeHigh);

        // History in commit order; xids handed out in a shuffled order, sometimes across the 32-bit wraparound.
        var count = random.Next(6, 40);
        var xidBase = random.Next(3) == 0 ? uint.MaxValue - (uint)random.Next(40) : 1000u;
        var shuffled = Enumerable.Range(0, count).OrderBy(_ => random.Next()).ToArray();
        var table = new Dictionary<int, (ColumnValue V, ColumnValue T)>();
        var history = new List<Transaction>();
        var lowAt = random.Next(0, count);             // transactions [0, lowAt) commit before the low watermark
        var highAt = random.Next(lowAt, count + 1);    // transactions [lowAt, highAt) commit in the window
        var lsn = 10UL;
        for (var i = 0; i < highAt; i++)
        {
            if (i == lowAt) lsn += 10; // the low watermark's own transaction
            lsn += 10;
            var tx = new Transaction(NormalXid(xidBase, shuffled[i]), new Lsn(lsn), new List<StreamedChange>(), new HashSet<int>());
            var ops = random.Next(1, 4);
            for (var op = 0; op < ops; op++)
                tx.Changes.Add(RandomChange(random, table, tx, schema, full, InChunk));
            history.Add(tx);
        }
        var lowWatermark = new SourcePosition(new Lsn(history.Count > lowAt ? history[lowAt].CommitLsn.Value - 10 : lsn + 10), 0);
        if (lowAt == highAt) lowWatermark = new SourcePosition(new Lsn(lsn + 10), 0);
        var highWatermark = new SourcePosition(new Lsn(lowWatermark.CommitLsn.Value + 10_000), 0);

        // The snapshot misses some transactions committed before the low watermark and sees some of the window's. Writers
        // of a row wait for the previous writer to become visible, so once a transaction is missed every later one touching
        // the same keys is missed too.
        var tainted = new HashSet<int>();
        var visible = new List<Transaction>();
        var invisible = new List<Transaction>();
        for (var i = 0; i < history.Count; i++)
        {
            var tx = history[i];
            var missed = i < lowAt ? random.Next(4) == 0 : random.Next(3) != 0;
            if (!missed) foreach (var k in tx.Touched) missed |= tainted.Contains(k);
            if (missed) { invisible.Add(tx); tainted.UnionWith(tx.Touched); }
            else visible.Add(tx);
        }
        var snapshot = SnapshotOf(xidBase, visible, invisible);
        foreach (var tx in visible) Assert.True(snapshot.IsVisible(tx.Xid), $"seed {seed}: {tx.Xid} in {snapshot}");
        foreach (var tx in invisible) Assert.False(snapshot.IsVisible(tx.Xid), $"seed {seed}: {tx.Xid} in {snapshot}");

        // What the snapshot reads: the visible transactions applied in commit order, the chunk's keys in key order.
        var seen = new Dictionary<int, (ColumnValue V, ColumnValue T)>();
        foreach (var tx in visible)
            foreach (var c in tx.Changes) ApplyToModel(seen, c.Change);
        var chunk = new List<ColumnValue[]>();
        for (var k = 0; k < Keys; k++)
            if (InChunk(k) && seen.TryGetValue(k, out var r)) chunk.Add([V(k.ToString()), r.V, r.T]);

        // Deliver: the stream in order, the reader's rows and end marker at random points of it.
        var lookback = new LookbackBuffer(10_000, 1 << 24);
        var merge = new ChunkMerge(seed, 1, schema);
        var readerEvents = new Queue<Action>();
        var half = chunk.Count / 2;
        readerEvents.Enqueue(() => merge.OnRows(schema, chunk.GetRange(0, half)));
        readerEvents.Enqueue(() => merge.OnRows(schema, chunk.GetRange(half, chunk.Count - half)));
        readerEvents.Enqueue(() => merge.OnEnd(snapshot, chunk.Count));
        void MaybeReader() { while (readerEvents.Count > 0 && random.Next(4) == 0) readerEvents.Dequeue()(); }

        for (var i = 0; i < history.Count; i++)
        {
            if (i == lowAt) { MaybeReader(); merge.OnLowWatermark(lowWatermark); }
            foreach (var c in history[i].Changes)
            {
                MaybeReader();
                lookback.Add(c);
                if (i >= lowAt) merge.OnWindowChange(c);
            }
        }
        if (lowAt == history.Count) merge.OnLowWatermark(lowWatermark);
        MaybeReader();
        merge.OnHighWatermark(highWatermark);
        while (readerEvents.Count > 0) readerEvents.Dequeue()();

        Assert.True(merge.IsComplete);
        var ok = merge.TryComplete(lookback, out var rows);
        Assert.True(ok, $"seed {seed}: voided {merge.VoidReason}: {merge.VoidDetail}");

        var got = new Dictionary<int, string>();
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(new SourcePosition(highWatermark.CommitLsn, i + 1), rows[i].Position);
            var key = int.Parse(rows[i].New![0].Text!);
            Assert.True(got.TryAdd(key, Render(rows[i].New!)), $"seed {seed}: key {key} twice");
        }
        for (var k = 0; k < Keys; k++)
        {
            var expected = table.TryGetValue(k, out var e) ? Render([V(k.ToString()), e.V, e.T]) : null;
            got.TryGetValue(k, out var actual);
            if (InChunk(k))
                Assert.True(expected == actual, $"seed {seed}: key {k}: expected {expected ?? "absent"}, merged {actual ?? "absent"}");
            else if (actual is not null)
                Assert.True(expected == actual, $"seed {seed}: key {k} outside the chunk: expected {expected ?? "absent"}, merged {actual}");
        }
    }

    private static StreamedChange RandomChange(Random random, Dictionary<int, (ColumnValue V, ColumnValue T)> table, Transaction tx,
        TableSchema schema, bool full, Func<int, bool> inChunk)
    {
        var position = new SourcePosition(tx.CommitLsn, tx.Changes.Count);
        var key = random.Next(Keys);
        tx.Touched.Add(key);
        RowChange change;
        if (!table.TryGetValue(key, out var row))
        {
            var inserted = (V: V($"v{random.Next(1000)}"), T: RandomToast(random));
            change = new RowChange(ChangeKind.Insert, position, [V(key.ToString()), inserted.V, inserted.T], null);
        }
        else
        {
            var oldRow = new[] { V(key.ToString()), row.V, row.T };
            var free = Enumerable.Range(0, Keys).Where(k => !table.ContainsKey(k)).ToList();
            var pick = random.Next(10);
            if (pick < 2)
            {
                change = new RowChange(ChangeKind.Delete, position, null, full ? oldRow : Key(key.ToString()));
            }
            else if (pick < 5 && free.Count > 0)
            {
                var target = free[random.Next(free.Count)];
                tx.Touched.Add(target);
                var changedT = random.Next(3) == 0;
                var t = changedT ? RandomToast(random) : row.T;
                // A move into the chunk from a key it does not read has no image there: send t, so the key can be merged.
                var sendT = changedT || row.T.Kind == ValueKind.Null || random.Next(3) == 0 || (!full && !inChunk(key) && inChunk(target));
                change = new RowChange(ChangeKind.Update, position, [V(target.ToString()), V($"v{random.Next(1000)}"), sendT ? t : U],
                    full ? oldRow : Key(key.ToString()));
            }
            else
            {
                var changedT = random.Next(3) == 0;
                var t = changedT ? RandomToast(random) : row.T;
                var sendT = changedT || row.T.Kind == ValueKind.Null || random.Next(3) == 0;
                change = new RowChange(ChangeKind.Update, position, [V(key.ToString()), V($"v{random.Next(1000)}"), sendT ? t : U],
                    full ? oldRow : null);
            }
        }
        ApplyToModel(table, change);
        return new StreamedChange(change, tx.Xid, schema);
    }

    private static ColumnValue RandomToast(Random random) => random.Next(5) == 0 ? N : V($"T{random.Next(1000)}");

    // The model: full rows by key; an unchanged TOAST value keeps the row's value, as PostgreSQL does.
    private static void ApplyToModel(Dictionary<int, (ColumnValue V, ColumnValue T)> table, RowChange change)
    {
        switch (change.Kind)
        {
            case ChangeKind.Insert:
                table.Add(int.Parse(change.New![0].Text!), (change.New[1], change.New[2]));
                break;
            case ChangeKind.Delete:
                Assert.True(table.Remove(int.Parse(change.Old![0].Text!)));
                break;
            case ChangeKind.Update:
                var newKey = int.Parse(change.New![0].Text!);
                var oldKey = change.Old is null ? newKey : int.Parse(change.Old[0].Text!);
                var before = table[oldKey];
                table.Remove(oldKey);
                table.Add(newKey, (change.New[1], change.New[2].Kind == ValueKind.UnchangedToast ? before.T : change.New[2]));
                break;
        }
    }

    // xids above 2^32 - 1 wrap to 3, as PostgreSQL skips its special xids 0..2.
    private static uint NormalXid(uint xidBase, int offset)
    {
        var x = (ulong)xidBase + (ulong)offset;
        return x > uint.MaxValue ? (uint)(x - uint.MaxValue - 1 + 3) : (uint)x;
    }

    private static bool Precedes(uint a, uint b) => (int)(a - b) < 0;

    // pg_current_snapshot() of such a history: xmax past the latest visible xid, invisible xids below it in progress.
    private static TestSnapshot SnapshotOf(uint xidBase, List<Transaction> visible, List<Transaction> invisible)
    {
        var xmax = xidBase;
        foreach (var tx in visible)
            if (!Precedes(tx.Xid, xmax)) xmax = tx.Xid + 1 == 0 ? 3u : tx.Xid + 1;
        var inProgress = invisible.Where(tx => Precedes(tx.Xid, xmax)).Select(tx => tx.Xid).ToArray();
        var xmin = xmax;
        foreach (var x in inProgress)
            if (Precedes(x, xmin)) xmin = x;
        return new TestSnapshot(xmin, xmax, inProgress);
    }
}
