using ActorCdc.Persistence.RocksDb.Checkpoints;
using Xunit;

namespace ActorCdc.Persistence.RocksDb.Tests.Checkpoints;

public sealed class CheckpointKeysTests
{
    [Theory]
    [InlineData("shop/public.orders", "shop%2Fpublic.orders")]
    [InlineData("plain-id_1", "plain-id_1")]
    [InlineData(".", "%2E")]
    [InlineData("..", "%2E.")]
    [InlineData("a b%c", "a%20b%25c")]
    [InlineData("é😀", "%C3%A9%F0%9F%98%80")]
    public void Persistence_ids_escape_to_one_safe_key_segment(string pid, string segment) =>
        Assert.Equal(segment, CheckpointKeys.EscapeSegment(pid));

    [Fact]
    public void A_lone_surrogate_escapes_as_its_code_unit()
    {
        // Built at run time: attribute arguments cannot carry a lone surrogate through metadata.
        var pid = new string([(char)0xD800, 'x']);
        Assert.Equal("%uD800x", CheckpointKeys.EscapeSegment(pid));
    }

    [Fact]
    public void Distinct_ids_never_share_a_segment()
    {
        var ids = new[] { "a/b", "a%2Fb", "a_b", "a.b", ".a", "%2Ea", "A/B", "\ud800", "\udc00", "\ufffd" };
        Assert.Equal(ids.Length, ids.Select(CheckpointKeys.EscapeSegment).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Snapshot_keys_sort_by_sequence_number_then_time_and_parse_back()
    {
        var t = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var keys = new[] { CheckpointKeys.SnapshotKey("p", 10, t), CheckpointKeys.SnapshotKey("p", 9, t.AddDays(1)), CheckpointKeys.SnapshotKey("p", 10, t.AddTicks(1)) };

        Assert.Equal([keys[1], keys[0], keys[2]], keys.Order(StringComparer.Ordinal));
        Assert.True(CheckpointKeys.TryParseSnapshotKey(keys[2], CheckpointKeys.SnapshotPrefix("p"), out var seq, out var ticks));
        Assert.Equal((10L, t.Ticks + 1), (seq, ticks));
        Assert.False(CheckpointKeys.TryParseSnapshotKey("snapshots/p/garbage.snap", "snapshots/p/", out _, out _));
    }
}
