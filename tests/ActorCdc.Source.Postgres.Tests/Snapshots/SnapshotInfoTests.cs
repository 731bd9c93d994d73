using ActorCdc.Source.Postgres.Snapshots;
using Xunit;

namespace ActorCdc.Source.Postgres.Tests.Snapshots;

/// <summary>pg_current_snapshot() text parsed strictly; visibility of 64-bit and pgoutput's 32-bit xids, across epochs.</summary>
public class SnapshotInfoTests
{
    private const ulong Epoch = 1UL << 32;

    [Fact]
    public void Parses_xmin_xmax_and_in_progress_xids_and_prints_them_back()
    {
        var s = SnapshotInfo.Parse("10:20:12,15");
        Assert.Equal(10UL, s.Xmin);
        Assert.Equal(20UL, s.Xmax);
        Assert.Equal([12UL, 15UL], s.InProgress);
        Assert.Equal("10:20:12,15", s.ToString());
        Assert.Equal(s, SnapshotInfo.Parse(s.ToString()));
        Assert.Empty(SnapshotInfo.Parse("748:748:").InProgress);
        Assert.Equal("748:748:", SnapshotInfo.Parse("748:748:").ToString());

        var big = SnapshotInfo.Parse($"{5 * Epoch + 7}:{5 * Epoch + 9}:{5 * Epoch + 8}");
        Assert.Equal(7u, big.Xmin32);
        Assert.Equal(9u, big.Xmax32);
    }

    [Fact]
    public void A_transaction_is_visible_when_it_finished_before_the_snapshot()
    {
        var s = SnapshotInfo.Parse("10:20:12,15");
        Assert.True(s.IsVisible(9UL));
        Assert.True(s.IsVisible(10UL));
        Assert.False(s.IsVisible(12UL));
        Assert.True(s.IsVisible(13UL));
        Assert.False(s.IsVisible(15UL));
        Assert.True(s.IsVisible(19UL));
        Assert.False(s.IsVisible(20UL));
        Assert.False(s.IsVisible(21UL));
        // The same through 32-bit xids in the first epoch.
        Assert.True(s.IsVisible(9u));
        Assert.False(s.IsVisible(12u));
        Assert.True(s.IsVisible(13u));
        Assert.False(s.IsVisible(20u));
    }

    [Fact]
    public void A_32_bit_xid_is_read_in_the_epoch_of_the_snapshot()
    {
        var s = SnapshotInfo.Parse($"{5 * Epoch + 90}:{5 * Epoch + 100}:{5 * Epoch + 95}");
        Assert.True(s.IsVisible(89u));
        Assert.True(s.IsVisible(94u));
        Assert.False(s.IsVisible(95u));
        Assert.True(s.IsVisible(99u));
        Assert.False(s.IsVisible(100u));
        Assert.Equal(5 * Epoch + 95, s.ToFullXid(95u));
        // Xids far behind are from long ago (visible), up to 2^31 ahead in the future (invisible).
        const uint far = int.MaxValue;
        Assert.True(s.IsVisible(unchecked(100u - far)));
        Assert.False(s.IsVisible(100u + far));
        Assert.Equal(5 * Epoch + 100 + far, s.ToFullXid(100u + far));
        // Exactly 2^31 away is taken as the past, as PostgreSQL's TransactionIdPrecedes does.
        Assert.Equal(5 * Epoch + 100 - 2147483648UL, s.ToFullXid(100u + 2147483648u));
    }

    [Fact]
    public void Xids_on_both_sides_of_an_epoch_boundary_compare_by_modular_distance()
    {
        var xmin = 5 * Epoch + 0xFFFFFFF0;
        var xmax = 6 * Epoch + 10;
        var s = new SnapshotInfo(xmin, xmax, [5 * Epoch + 0xFFFFFFF5, 6 * Epoch + 3]);
        Assert.True(s.IsVisible(0xFFFFFFEFu));
        Assert.True(s.IsVisible(0xFFFFFFF0u));
        Assert.False(s.IsVisible(0xFFFFFFF5u));
        Assert.True(s.IsVisible(0xFFFFFFF6u));
        Assert.True(s.IsVisible(0xFFFFFFFFu));
        Assert.False(s.IsVisible(3u));
        Assert.True(s.IsVisible(4u));
        Assert.True(s.IsVisible(9u));
        Assert.False(s.IsVisible(10u));
        Assert.False(s.IsVisible(11u));
        Assert.Equal(5 * Epoch + 0xFFFFFFF5, s.ToFullXid(0xFFFFFFF5u));
        Assert.Equal(6 * Epoch + 3, s.ToFullXid(3u));
        Assert.Equal(0xFFFFFFF0u, s.Xmin32);
        Assert.Equal(10u, s.Xmax32);

        // Snapshot just before the boundary, transaction just after it: in the future.
        var before = SnapshotInfo.Parse($"{5 * Epoch + 0xFFFFFFFE}:{5 * Epoch + 0xFFFFFFFF}:");
        Assert.Equal(6 * Epoch + 3, before.ToFullXid(3u));
        Assert.False(before.IsVisible(3u));
        Assert.True(before.IsVisible(0xFFFFFFFDu));
    }

    [Fact]
    public void In_the_first_epoch_an_xid_that_would_lie_before_zero_is_taken_as_it_is()
    {
        var s = SnapshotInfo.Parse("90:100:");
        Assert.Equal(0xFFFFFF00UL, s.ToFullXid(0xFFFFFF00u));
        Assert.False(s.IsVisible(0xFFFFFF00u));
        Assert.True(s.IsVisible(3u));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1:2")]
    [InlineData("1:2:3:4")]
    [InlineData("a:2:")]
    [InlineData("-1:2:")]
    [InlineData("+1:2:")]
    [InlineData(" 1:2:")]
    [InlineData("0x1:2:")]
    [InlineData("2:1:")]
    [InlineData("1:5:7")]
    [InlineData("1:5:0")]
    [InlineData("1:5:5")]
    [InlineData("1:5:3,3")]
    [InlineData("1:5:,")]
    [InlineData("1:5:3,")]
    [InlineData("1:5:3 ,4")]
    [InlineData("1:99999999999999999999999:")]
    public void Anything_but_a_snapshot_is_refused(string text)
    {
        var e = Assert.Throws<FormatException>(() => SnapshotInfo.Parse(text));
        Assert.Contains("pg_snapshot", e.Message);
    }
}
