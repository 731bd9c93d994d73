using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Wal;
using Xunit;

namespace ActorCdc.Engine.Tests;

public class ConfirmationTrackerTests
{
    private static readonly TableId A = new("public", "a");
    private static readonly TableId B = new("public", "b");
    private static SourcePosition P(ulong lsn, long i) => new(new Lsn(lsn), i);

    [Fact]
    public void Transaction_is_confirmed_only_when_every_table_it_touched_is_durable()
    {
        var t = new ConfirmationTracker();
        t.Begin(new Lsn(100));
        t.Sent(A, P(100, 0), 10, 1);
        t.Sent(B, P(100, 1), 10, 1);
        Assert.False(t.Commit(new Lsn(110), DateTime.UtcNow));
        t.Durable(A, P(100, 0), out var moved);
        Assert.False(moved);
        Assert.Equal(Lsn.Zero, t.Confirmable);
        var (bytes, rows) = t.Durable(B, P(100, 1), out moved);
        Assert.True(moved);
        Assert.Equal((10L, 1L), (bytes, rows));
        Assert.Equal(new Lsn(110), t.Confirmable);
    }

    [Fact]
    public void A_later_durable_transaction_waits_for_an_earlier_one()
    {
        var t = new ConfirmationTracker();
        t.Begin(new Lsn(100));
        t.Sent(A, P(100, 0), 1, 1);
        t.Commit(new Lsn(110), DateTime.UtcNow);
        t.Begin(new Lsn(200));
        t.Sent(B, P(200, 0), 1, 1);
        t.Commit(new Lsn(210), DateTime.UtcNow);
        t.Durable(B, P(200, 0), out var moved);
        Assert.False(moved);
        Assert.Equal(Lsn.Zero, t.Confirmable);
        t.Durable(A, P(100, 0), out moved);
        Assert.True(moved);
        Assert.Equal(new Lsn(210), t.Confirmable);
    }

    [Fact]
    public void Transactions_without_captured_changes_confirm_at_once_when_nothing_precedes_them()
    {
        var t = new ConfirmationTracker();
        t.Begin(new Lsn(100));
        Assert.True(t.Commit(new Lsn(105), DateTime.UtcNow));
        Assert.Equal(new Lsn(105), t.Confirmable);
    }

    [Fact]
    public void An_idle_table_does_not_hold_the_slot_back()
    {
        var t = new ConfirmationTracker();
        t.Begin(new Lsn(100));
        t.Sent(A, P(100, 0), 1, 1);
        t.Commit(new Lsn(110), DateTime.UtcNow);
        t.Durable(A, P(100, 0), out _);
        t.Begin(new Lsn(300));
        t.Sent(A, P(300, 0), 1, 1);
        t.Commit(new Lsn(310), DateTime.UtcNow);
        t.Durable(A, P(300, 5), out var moved);
        Assert.True(moved);
        Assert.Equal(new Lsn(310), t.Confirmable);
        Assert.Equal(0, t.InFlightBytes(B));
    }

    [Fact]
    public void A_partial_durable_position_releases_only_batches_at_or_below_it()
    {
        var t = new ConfirmationTracker();
        t.Begin(new Lsn(100));
        t.Sent(A, P(100, 999), 5, 1000);
        t.Sent(A, P(100, 1999), 7, 1000);
        t.Commit(new Lsn(110), DateTime.UtcNow);
        var (bytes, rows) = t.Durable(A, P(100, 1500), out var moved);
        Assert.Equal((5L, 1000L), (bytes, rows));
        Assert.False(moved);
        Assert.Equal(7, t.InFlightBytes(A));
    }

    [Fact]
    public void Reset_forgets_in_flight_batches_but_keeps_the_confirmed_position()
    {
        var t = new ConfirmationTracker();
        t.Begin(new Lsn(100));
        t.Commit(new Lsn(110), DateTime.UtcNow);
        t.Begin(new Lsn(200));
        t.Sent(A, P(200, 0), 3, 1);
        t.Reset();
        Assert.Equal(new Lsn(110), t.Confirmable);
        Assert.Equal(0, t.InFlightBytes(A));
        Assert.Equal(0, t.PendingTransactions);
        t.Begin(new Lsn(200));
        t.Sent(A, P(200, 0), 3, 1);
        t.Commit(new Lsn(210), DateTime.UtcNow);
        Assert.Equal(1, t.PendingTransactions);
    }
}
