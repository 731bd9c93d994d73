using ActorCdc.Engine.Backfill;
using Xunit;
using static ActorCdc.Engine.Tests.Backfill.Rows;

namespace ActorCdc.Engine.Tests.Backfill;

public class LookbackBufferTests
{
    // Sees every xid below 50 and 50..59 except 55; none from 60 on.
    private static readonly TestSnapshot Snap = new(50, 60, 55);

    private static long[] Lsns(IReadOnlyList<StreamedChange> changes) => changes.Select(c => (long)c.Position.CommitLsn.Value).ToArray();

    [Fact]
    public void Returns_the_changes_before_the_low_watermark_of_transactions_the_snapshot_does_not_see_in_order()
    {
        var buffer = new LookbackBuffer(100, 1 << 20);
        buffer.Add(Upd(70, 55, Row("1", "a", "X")));
        buffer.Add(Upd(80, 40, Row("2", "a", "X")));
        buffer.Add(Upd(90, 55, Row("3", "a", "X"), index: 0));
        buffer.Add(Upd(90, 55, Row("4", "a", "X"), index: 1));
        buffer.Add(Upd(95, 70, Row("5", "a", "X")));
        buffer.Add(Upd(150, 71, Row("6", "a", "X")));

        var invisible = buffer.InvisibleBefore(P(100), Snap, out var insufficient);

        Assert.False(insufficient);
        Assert.Equal(new long[] { 70, 90, 90, 95 }, Lsns(invisible));
        Assert.Equal(new long[] { 0, 0, 1, 0 }, invisible.Select(c => c.Position.Index).ToArray());
    }

    [Fact]
    public void Drops_the_oldest_changes_beyond_the_count()
    {
        var buffer = new LookbackBuffer(2, 1 << 20);
        buffer.Add(Upd(70, 60, Row("1", "a", "X")));
        buffer.Add(Upd(80, 61, Row("2", "a", "X")));
        buffer.Add(Upd(90, 62, Row("3", "a", "X")));

        Assert.Equal(2, buffer.Count);
        Assert.True(buffer.HasRemoved);
        Assert.Equal(new long[] { 80, 90 }, Lsns(buffer.InvisibleBefore(P(100), Snap, out _)));
    }

    [Fact]
    public void Drops_the_oldest_changes_beyond_the_byte_budget()
    {
        var change = Upd(70, 60, Row("1", "a", "X"));
        var one = change.Change.ApproximateBytes;
        var buffer = new LookbackBuffer(100, 2 * one + 100);
        buffer.Add(change);
        buffer.Add(Upd(80, 61, Row("2", "a", "X")));
        buffer.Add(Upd(90, 62, Row("3", "a", "X")));

        Assert.Equal(2, buffer.Count);
        Assert.True(buffer.ApproximateBytes <= 2 * one + 100);
        Assert.Equal(new long[] { 80, 90 }, Lsns(buffer.InvisibleBefore(P(100), Snap, out _)));
    }

    [Fact]
    public void Ignores_replays_at_or_below_the_last_position()
    {
        var buffer = new LookbackBuffer(100, 1 << 20);
        Assert.True(buffer.Add(Upd(80, 60, Row("1", "a", "X"))));

        Assert.False(buffer.Add(Upd(80, 60, Row("1", "a", "X"))));
        Assert.False(buffer.Add(Upd(70, 60, Row("1", "a", "X"))));
        Assert.Equal(1, buffer.Count);
    }

    [Fact]
    public void Dropped_change_the_snapshot_may_not_see_makes_the_lookback_insufficient()
    {
        var buffer = new LookbackBuffer(1, 1 << 20);
        buffer.Add(Upd(70, 55, Row("1", "a", "X")));
        buffer.Add(Upd(80, 40, Row("2", "a", "X")));

        buffer.InvisibleBefore(P(100), Snap, out var insufficient);

        Assert.True(insufficient);
    }

    [Fact]
    public void Dropped_changes_the_snapshot_sees_leave_the_lookback_sufficient()
    {
        var buffer = new LookbackBuffer(1, 1 << 20);
        buffer.Add(Upd(60, 40, Row("1", "a", "X")));
        buffer.Add(Upd(70, 56, Row("1", "a", "X")));
        buffer.Add(Upd(80, 55, Row("2", "a", "X")));

        var invisible = buffer.InvisibleBefore(P(100), Snap, out var insufficient);

        Assert.False(insufficient);
        Assert.Equal(new long[] { 80 }, Lsns(invisible));
    }

    [Fact]
    public void Dropped_changes_at_or_after_the_low_watermark_do_not_count()
    {
        // A burst in an old chunk's window overflowed the buffer; a chunk whose low watermark precedes it needs none of it.
        var buffer = new LookbackBuffer(1, 1 << 20);
        buffer.Add(Upd(150, 70, Row("1", "a", "X")));
        buffer.Add(Upd(160, 71, Row("2", "a", "X")));

        buffer.InvisibleBefore(P(100), Snap, out var insufficient);
        Assert.False(insufficient);
        buffer.InvisibleBefore(P(200), Snap, out insufficient);
        Assert.True(insufficient);
    }

    [Fact]
    public void Trimmed_changes_are_remembered_like_dropped_ones()
    {
        var buffer = new LookbackBuffer(100, 1 << 20);
        buffer.Add(Upd(70, 55, Row("1", "a", "X")));
        buffer.Add(Upd(80, 40, Row("2", "a", "X")));
        buffer.Add(Upd(90, 41, Row("3", "a", "X")));

        buffer.TrimBefore(P(80));

        Assert.Equal(2, buffer.Count);
        buffer.InvisibleBefore(P(100), Snap, out var insufficient);
        Assert.True(insufficient);
        buffer.InvisibleBefore(P(100), new TestSnapshot(56, 60), out insufficient);
        Assert.False(insufficient);
    }

    [Fact]
    public void A_transaction_is_remembered_once_whatever_the_number_of_its_changes()
    {
        var buffer = new LookbackBuffer(1, 1 << 20);
        for (var i = 0; i < 10; i++) buffer.Add(Upd(70, 41, Row(i.ToString(), "a", "X"), index: i));
        buffer.Add(Upd(80, 42, Row("1", "a", "X")));

        Assert.Equal(1, buffer.RemovedTransactionCount);
    }

    [Fact]
    public void Beyond_the_remembered_transactions_only_xids_before_xmin_are_known_visible()
    {
        var buffer = new LookbackBuffer(1, 1 << 20, maxRemovedTransactions: 1);
        buffer.Add(Upd(60, 44, Row("1", "a", "X")));
        buffer.Add(Upd(70, 52, Row("1", "a", "X")));
        buffer.Add(Upd(80, 40, Row("1", "a", "X")));
        buffer.Add(Upd(90, 41, Row("1", "a", "X")));

        // 44 and 52 are folded into "latest 52": visible to the snapshot, but not provably from xmin 50 alone.
        buffer.InvisibleBefore(P(100), Snap, out var insufficient);
        Assert.True(insufficient);
        buffer.InvisibleBefore(P(100), new TestSnapshot(53, 60), out insufficient);
        Assert.False(insufficient);
    }

    [Fact]
    public void Xid_order_wraps_around_at_two_to_the_32()
    {
        var buffer = new LookbackBuffer(1, 1 << 20, maxRemovedTransactions: 1);
        buffer.Add(Upd(60, uint.MaxValue - 5, Row("1", "a", "X")));
        buffer.Add(Upd(70, uint.MaxValue - 1, Row("1", "a", "X")));
        buffer.Add(Upd(80, 10, Row("1", "a", "X")));
        buffer.Add(Upd(90, 11, Row("1", "a", "X")));

        // Folded: 2^32-6 and 2^32-2, latest 2^32-2, which precedes xid 5 after the wraparound.
        buffer.InvisibleBefore(P(100), new TestSnapshot(5, 20), out var insufficient);
        Assert.False(insufficient);
        buffer.InvisibleBefore(P(100), new TestSnapshot(uint.MaxValue - 3, 20), out insufficient);
        Assert.True(insufficient);
    }

    [Fact]
    public void A_long_running_transaction_holding_xmin_back_does_not_void_chunks_while_removals_are_forgotten()
    {
        // xid 30 runs for the whole backfill: every snapshot's xmin is 30, while the removed transactions after it are visible.
        var buffer = new LookbackBuffer(1, 1 << 20, maxRemovedTransactions: 4);
        for (uint x = 31; x <= 34; x++) buffer.Add(Upd(10 * (ulong)x, x, Row("1", "a", "X")));
        var first = new TestSnapshot(30, 35, 30);
        buffer.InvisibleBefore(P(1000), first, out var insufficient);
        Assert.False(insufficient); // 31..33 removed, each checked against the snapshot
        buffer.ForgetRemovedVisibleTo(first);
        Assert.Equal(0, buffer.RemovedTransactionCount);

        for (uint x = 35; x <= 38; x++) buffer.Add(Upd(10 * (ulong)x, x, Row("1", "a", "X")));
        var second = new TestSnapshot(30, 39, 30);
        buffer.InvisibleBefore(P(1000), second, out insufficient);
        Assert.False(insufficient);

        // Without forgetting, more removals than remembered fold into "latest xid", which xmin 30 cannot cover.
        for (uint x = 39; x <= 45; x++) buffer.Add(Upd(10 * (ulong)x, x, Row("1", "a", "X")));
        buffer.InvisibleBefore(P(1000), new TestSnapshot(30, 46, 30), out insufficient);
        Assert.True(insufficient);
    }

    [Fact]
    public void Forgetting_keeps_removed_transactions_the_snapshot_does_not_see()
    {
        var buffer = new LookbackBuffer(1, 1 << 20);
        buffer.Add(Upd(70, 55, Row("1", "a", "X")));
        buffer.Add(Upd(80, 40, Row("1", "a", "X")));
        buffer.Add(Upd(90, 41, Row("1", "a", "X")));

        buffer.ForgetRemovedVisibleTo(Snap);

        Assert.Equal(1, buffer.RemovedTransactionCount);
        buffer.InvisibleBefore(P(100), Snap, out var insufficient);
        Assert.True(insufficient);
    }
}
