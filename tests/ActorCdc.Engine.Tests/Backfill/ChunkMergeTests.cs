using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Backfill;
using Xunit;
using static ActorCdc.Engine.Tests.Backfill.Rows;

namespace ActorCdc.Engine.Tests.Backfill;

public class ChunkMergeTests
{
    private static readonly SourcePosition Lw = P(100);
    private static readonly SourcePosition Hw = P(200);

    // Sees every xid below 50 and 50..59 except 55 (committed before the low watermark, not yet visible); none from 60 on.
    private static readonly TestSnapshot Snap = new(50, 60, 55);
    private const uint Invisible = 55;
    private const uint Visible = 40;

    private static LookbackBuffer Lookback(params StreamedChange[] changes)
    {
        var buffer = new LookbackBuffer(1000, 1 << 20);
        foreach (var c in changes) buffer.Add(c);
        return buffer;
    }

    private static ChunkMerge Feed(ColumnValue[][] chunk, StreamedChange[] window, TableSchema? schema = null, IXidVisibility? snapshot = null)
    {
        var merge = new ChunkMerge(7, 1, schema ?? Table, Lw);
        foreach (var w in window) merge.OnWindowChange(w);
        merge.OnHighWatermark(Hw);
        merge.OnRows(schema ?? Table, chunk);
        merge.OnEnd(snapshot ?? Snap, chunk.Length);
        return merge;
    }

    private static string[] Run(ColumnValue[][] chunk, StreamedChange[] window, LookbackBuffer? lookback = null, TableSchema? schema = null) =>
        Render(Feed(chunk, window, schema).Complete(lookback ?? Lookback()));

    [Fact]
    public void No_window_changes_emits_the_chunk_rows_as_inserts_at_the_high_watermark()
    {
        var chunk = new[] { Row("1", "a", "X"), Row("2", "b", "Y"), Row("3", "c", "Z") };
        var rows = Feed(chunk, []).Complete(Lookback());

        Assert.Equal(3, rows.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ChangeKind.Insert, rows[i].Kind);
            Assert.Equal(new SourcePosition(Hw.CommitLsn, i + 1), rows[i].Position);
            Assert.Same(chunk[i], rows[i].New);
            Assert.Null(rows[i].Old);
        }
    }

    [Fact]
    public void Positions_are_the_high_watermarks_commit_lsn_and_ordinals_from_one_whatever_the_row_batches()
    {
        var chunk = new[] { Row("1", "a", "X"), Row("2", "b", "Y"), Row("3", "c", "Z") };
        var whole = Feed(chunk, [Ins(150, 61, Row("9", "n", "N"))]).Complete(Lookback());

        var split = new ChunkMerge(7, 1, Table, Lw);
        split.OnRows(Table, [chunk[0]]);
        split.OnWindowChange(Ins(150, 61, Row("9", "n", "N")));
        split.OnRows(Table, [chunk[1], chunk[2]]);
        split.OnRows(Table, []);
        split.OnHighWatermark(Hw);
        split.OnEnd(Snap, 3);
        var batched = split.Complete(Lookback());

        Assert.Equal(new[] { P(200, 1), P(200, 2), P(200, 3), P(200, 4) }, whole.Select(r => r.Position));
        Assert.Equal(whole.Select(r => r.Position), batched.Select(r => r.Position));
        Assert.Equal(Render(whole), Render(batched));
    }

    [Fact]
    public void Insert_in_the_window_adds_the_row_after_the_chunk_rows()
    {
        Assert.Equal(
            new[] { "1|a|X", "3|c|Z", "2|b|Y" },
            Run([Row("1", "a", "X"), Row("3", "c", "Z")], [Ins(150, 61, Row("2", "b", "Y"))]));
    }

    [Fact]
    public void Update_in_the_window_replaces_the_columns_it_carries()
    {
        Assert.Equal(
            new[] { "1|b|Y", "2|b|Y" },
            Run([Row("1", "a", "X"), Row("2", "b", "Y")], [Upd(150, 61, Row("1", "b", "Y"))]));
    }

    [Fact]
    public void Update_with_unchanged_toast_in_the_window_keeps_the_chunks_value()
    {
        Assert.Equal(
            new[] { "1|b|X" },
            Run([Row("1", "a", "X")], [Upd(150, 61, Row("1", V("b"), U))]));
    }

    [Fact]
    public void Update_setting_a_column_to_null_in_the_window_is_kept()
    {
        Assert.Equal(
            new[] { "1|NULL|X" },
            Run([Row("1", "a", "X")], [Upd(150, 61, Row("1", N, U))]));
    }

    [Fact]
    public void Successive_updates_in_the_window_apply_in_order()
    {
        Assert.Equal(
            new[] { "1|c|Y" },
            Run([Row("1", "a", "X")], [Upd(150, 61, Row("1", V("b"), V("Y"))), Upd(160, 62, Row("1", V("c"), U))]));
    }

    [Fact]
    public void Delete_in_the_window_removes_the_row()
    {
        Assert.Equal(
            new[] { "1|a|X", "3|c|Z" },
            Run([Row("1", "a", "X"), Row("2", "b", "Y"), Row("3", "c", "Z")], [Del(150, 61, Key("2"))]));
    }

    [Fact]
    public void Delete_then_insert_in_the_window_keeps_the_key_in_its_place_in_key_order()
    {
        Assert.Equal(
            new[] { "1|a|X", "2|new|W", "3|c|Z" },
            Run([Row("1", "a", "X"), Row("2", "b", "Y"), Row("3", "c", "Z")],
                [Del(150, 61, Key("2")), Ins(160, 62, Row("2", "new", "W"))]));
    }

    [Fact]
    public void Insert_then_delete_in_the_window_of_a_new_key_leaves_nothing()
    {
        Assert.Equal(
            new[] { "1|a|X" },
            Run([Row("1", "a", "X")], [Ins(150, 61, Row("5", "n", "N")), Del(160, 62, Key("5"))]));
    }

    [Fact]
    public void Key_changing_update_in_the_window_moves_the_row_to_the_new_key()
    {
        Assert.Equal(
            new[] { "2|b|Y", "5|moved|W" },
            Run([Row("1", "a", "X"), Row("2", "b", "Y")], [Upd(150, 61, Row("5", "moved", "W"), Key("1"))]));
    }

    [Fact]
    public void Key_changing_update_with_unchanged_toast_takes_the_value_from_the_old_keys_row()
    {
        Assert.Equal(
            new[] { "2|b|Y", "5|moved|X" },
            Run([Row("1", "a", "X"), Row("2", "b", "Y")], [Upd(150, 61, Row("5", V("moved"), U), Key("1"))]));
    }

    [Fact]
    public void Key_change_chain_a_to_b_to_c_leaves_only_c_with_the_original_toast_value()
    {
        Assert.Equal(
            new[] { "3|c|X" },
            Run([Row("1", "a", "X")],
                [Upd(150, 61, Row("2", V("b"), U), Key("1")), Upd(160, 62, Row("3", V("c"), U), Key("2"))]));
    }

    [Fact]
    public void Key_change_onto_a_key_the_chunk_read_takes_that_keys_place_in_key_order()
    {
        Assert.Equal(
            new[] { "2|from1|X", "3|c|Z" },
            Run([Row("1", "a", "X"), Row("2", "b", "Y"), Row("3", "c", "Z")],
                [Del(150, 61, Key("2")), Upd(160, 62, Row("2", V("from1"), U), Key("1"))]));
    }

    [Fact]
    public void Key_change_moving_a_row_out_of_the_chunk_still_emits_its_state_at_the_high_watermark()
    {
        // Key 100 lies outside the chunk's range; its row is correct as of the high watermark, so upserting it is harmless.
        Assert.Equal(
            new[] { "1|a|X", "100|out|Y" },
            Run([Row("1", "a", "X"), Row("2", "b", "Y")], [Upd(150, 61, Row("100", V("out"), U), Key("2"))]));
    }

    [Fact]
    public void Key_change_moving_a_row_in_from_outside_with_unchanged_toast_is_left_to_the_stream()
    {
        // No image of key 100's row: the value of t is unknown, and a guess must not overwrite what the stream delivered.
        Assert.Equal(
            new[] { "1|a|X", "2|b|Y" },
            Run([Row("1", "a", "X"), Row("2", "b", "Y")], [Upd(150, 61, Row("3", V("in"), U), Key("100"))]));
    }

    [Fact]
    public void Key_change_moving_a_row_in_from_outside_with_every_value_is_emitted()
    {
        Assert.Equal(
            new[] { "1|a|X", "2|b|Y", "3|in|Q" },
            Run([Row("1", "a", "X"), Row("2", "b", "Y")], [Upd(150, 61, Row("3", "in", "Q"), Key("100"))]));
    }

    [Fact]
    public void Key_change_in_then_out_of_the_chunk_keeps_the_toast_value_along_the_way()
    {
        Assert.Equal(
            new[] { "1|a|X", "100|back|Q" },
            Run([Row("1", "a", "X")],
                [Upd(150, 61, Row("3", "in", "Q"), Key("99")), Upd(160, 62, Row("100", V("back"), U), Key("3"))]));
    }

    [Fact]
    public void Update_of_a_key_absent_from_the_chunk_is_added_only_when_complete()
    {
        Assert.Equal(
            new[] { "1|a|X", "50|full|F" },
            Run([Row("1", "a", "X")], [Upd(150, 61, Row("50", "full", "F")), Upd(160, 62, Row("51", V("partial"), U))]));
    }

    [Fact]
    public void Replica_identity_full_update_finds_the_row_by_the_old_rows_key()
    {
        Assert.Equal(
            new[] { "1|b|X", "2|b|Y" },
            Run([Row("1", "a", "X"), Row("2", "b", "Y")],
                [Upd(150, 61, Row("1", V("b"), U), Row("1", "a", "X"), schema: FullTable)], schema: FullTable));
    }

    [Fact]
    public void Replica_identity_full_key_change_takes_unchanged_toast_from_the_old_row()
    {
        Assert.Equal(
            new[] { "2|b|Y", "3|in|Q" },
            Run([Row("2", "b", "Y")],
                [Upd(150, 61, Row("3", V("in"), U), Row("100", "out", "Q"), schema: FullTable)], schema: FullTable));
    }

    [Fact]
    public void Replica_identity_full_delete_removes_the_row_named_by_the_old_row()
    {
        Assert.Equal(
            new[] { "2|b|Y" },
            Run([Row("1", "a", "X"), Row("2", "b", "Y")], [Del(150, 61, Row("1", "a", "X"), schema: FullTable)], schema: FullTable));
    }

    [Fact]
    public void Update_whose_unchanged_toast_key_is_named_by_the_old_tuple_is_placed()
    {
        Assert.Equal(
            new[] { "1|b|X" },
            Run([Row("1", "a", "X")], [Upd(150, 61, [U, V("b"), U], Row("1", "a", "X"), schema: FullTable)], schema: FullTable));
    }

    [Fact]
    public void Update_without_any_key_value_voids_the_chunk()
    {
        var merge = Feed([Row("1", "a", "X")], [Upd(150, 61, [U, V("b"), U])]);

        Assert.False(merge.TryComplete(Lookback(), out _));
        Assert.Equal(ChunkVoidReason.UnlocatableChange, merge.VoidReason);
    }

    [Theory]
    [InlineData(61u)]
    [InlineData(Visible)]
    public void Truncate_in_the_window_voids_the_chunk(uint xid)
    {
        var merge = new ChunkMerge(7, 1, Table, Lw);
        merge.OnRows(Table, [Row("1", "a", "X")]);
        merge.OnWindowChange(Trunc(150, xid));

        Assert.True(merge.Voided);
        Assert.Equal(ChunkVoidReason.Truncate, merge.VoidReason);
        merge.OnWindowChange(Ins(160, 62, Row("1", "b", "Y")));
        merge.OnHighWatermark(Hw);
        merge.OnEnd(Snap, 1);
        Assert.True(merge.IsComplete);
        Assert.False(merge.TryComplete(Lookback(), out var rows));
        Assert.Empty(rows);
        var e = Assert.Throws<InvalidOperationException>(() => merge.Complete(Lookback()));
        Assert.Contains("Truncate", e.Message);
    }

    [Fact]
    public void Truncate_by_an_invisible_transaction_before_the_low_watermark_voids_the_chunk()
    {
        var merge = Feed([Row("1", "a", "X")], []);

        Assert.False(merge.TryComplete(Lookback(Trunc(90, Invisible)), out _));
        Assert.Equal(ChunkVoidReason.Truncate, merge.VoidReason);
    }

    [Fact]
    public void Truncate_the_snapshot_sees_before_the_low_watermark_does_not_void()
    {
        Assert.Equal(new[] { "1|a|X" }, Run([Row("1", "a", "X")], [], Lookback(Trunc(90, Visible))));
    }

    [Fact]
    public void Update_by_an_invisible_transaction_committed_before_the_low_watermark_is_overlaid_on_the_stale_chunk_row()
    {
        // The snapshot missed xid 55 although its commit precedes the low watermark: the chunk row is stale.
        Assert.Equal(
            new[] { "1|committed|X", "2|b|Y" },
            Run([Row("1", "a", "X"), Row("2", "b", "Y")], [], Lookback(Upd(90, Invisible, Row("1", V("committed"), U)))));
    }

    [Fact]
    public void Delete_by_an_invisible_transaction_committed_before_the_low_watermark_is_overlaid()
    {
        Assert.Equal(
            new[] { "1|a|X" },
            Run([Row("1", "a", "X"), Row("2", "b", "Y")], [], Lookback(Del(90, Invisible, Key("2")))));
    }

    [Fact]
    public void Invisible_changes_before_the_low_watermark_apply_before_the_window_changes()
    {
        Assert.Equal(
            new[] { "1|window|Q" },
            Run([Row("1", "a", "X")], [Upd(150, 61, Row("1", V("window"), U))],
                Lookback(Upd(90, Invisible, Row("1", "lookback", "Q")), Upd(150, 61, Row("1", V("window"), U)))));
    }

    [Fact]
    public void Visible_transaction_before_the_low_watermark_is_not_reapplied()
    {
        // The snapshot saw both: 1 moved to 2 keeping t, then a new row took key 1. Replaying the move would copy the
        // new row's t into 2.
        var lookback = Lookback(
            Upd(80, Visible, Row("2", V("moved"), U), Key("1")),
            Ins(90, Visible + 1, Row("1", "fresh", "NEW")));

        Assert.Equal(
            new[] { "1|fresh|NEW", "2|moved|X" },
            Run([Row("1", "fresh", "NEW"), Row("2", "moved", "X")], [], lookback));
    }

    [Fact]
    public void Window_change_the_snapshot_sees_is_already_in_the_rows_and_is_not_replayed()
    {
        Assert.Equal(
            new[] { "1|fresh|NEW", "2|moved|X" },
            Run([Row("1", "fresh", "NEW"), Row("2", "moved", "X")],
                [Upd(150, 50, Row("2", V("moved"), U), Key("1")), Ins(160, 51, Row("1", "fresh", "NEW"))]));
    }

    [Fact]
    public void Lookback_that_dropped_a_change_the_snapshot_may_not_see_voids_the_chunk()
    {
        var lookback = new LookbackBuffer(1, 1 << 20);
        lookback.Add(Upd(80, Invisible, Row("1", "b", "Y")));
        lookback.Add(Upd(90, Visible, Row("2", "c", "Z")));
        var merge = Feed([Row("1", "a", "X")], []);

        Assert.False(merge.TryComplete(lookback, out _));
        Assert.Equal(ChunkVoidReason.LookbackInsufficient, merge.VoidReason);
    }

    [Fact]
    public void Lookback_that_dropped_only_changes_the_snapshot_sees_does_not_void()
    {
        var lookback = new LookbackBuffer(1, 1 << 20);
        lookback.Add(Upd(80, Visible, Row("1", "b", "Y")));
        lookback.Add(Upd(90, Invisible, Row("1", V("c"), U)));

        Assert.True(lookback.HasRemoved);
        Assert.Equal(new[] { "1|c|Y" }, Run([Row("1", "b", "Y")], [], lookback));
    }

    [Fact]
    public void Rows_and_end_before_the_high_watermark_are_not_complete_until_it_arrives()
    {
        var merge = new ChunkMerge(7, 1, Table);
        merge.OnRows(Table, [Row("1", "a", "X")]);
        merge.OnEnd(Snap, 1);
        Assert.False(merge.IsComplete);
        merge.OnLowWatermark(Lw);
        merge.OnWindowChange(Upd(150, 61, Row("1", V("b"), U)));
        Assert.False(merge.IsComplete);
        Assert.Throws<InvalidOperationException>(() => merge.Complete(Lookback()));

        merge.OnHighWatermark(Hw);

        Assert.True(merge.IsComplete);
        Assert.Equal(new[] { "1|b|X" }, Render(merge.Complete(Lookback())));
    }

    [Fact]
    public void A_second_low_watermark_for_one_attempt_voids_it_so_the_chunk_is_read_again()
    {
        // The coordinator's node died after dispatching the attempt; its successor read the same attempt again.
        var merge = new ChunkMerge(7, 1, Table, Lw);
        merge.OnLowWatermark(P(150));
        merge.OnHighWatermark(Hw);
        merge.OnRows(Table, [Row("1", "a", "X")]);
        merge.OnEnd(Snap, 1);

        Assert.True(merge.IsComplete);
        Assert.Equal(ChunkVoidReason.DuplicateAttempt, merge.VoidReason);
    }

    [Fact]
    public void High_watermark_without_the_end_marker_is_not_complete()
    {
        var merge = new ChunkMerge(7, 1, Table, Lw);
        merge.OnHighWatermark(Hw);
        merge.OnRows(Table, [Row("1", "a", "X")]);

        Assert.False(merge.IsComplete);
        Assert.False(merge.EndReceived);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Schema_change_during_the_window_voids_the_chunk(bool rowsFirst)
    {
        var altered = Schema(ReplicaIdentity.Default, extraColumn: true);
        var merge = new ChunkMerge(7, 1, Table, Lw);
        if (rowsFirst) merge.OnRows(Table, [Row("1", "a", "X")]);
        merge.OnWindowChange(Ins(150, 61, [V("2"), V("b"), V("Y"), V("w")], schema: altered));
        if (!rowsFirst) merge.OnRows(Table, [Row("1", "a", "X")]);
        merge.OnHighWatermark(Hw);
        merge.OnEnd(Snap, 1);

        Assert.True(merge.Voided);
        Assert.Equal(ChunkVoidReason.SchemaChanged, merge.VoidReason);
        Assert.False(merge.TryComplete(Lookback(), out _));
    }

    [Fact]
    public void Chunk_read_in_a_newer_schema_than_the_low_watermarks_is_merged_in_the_chunks_schema()
    {
        // DDL without DML sends no Relation message: the stream may still describe the table the old way.
        var altered = Schema(ReplicaIdentity.Default, extraColumn: true);
        var merge = new ChunkMerge(7, 1, Table, Lw);
        merge.OnRows(altered, [[V("1"), V("a"), V("X"), V("w")]]);
        merge.OnHighWatermark(Hw);
        merge.OnEnd(Snap, 1);

        Assert.Equal(new[] { "1|a|X|w" }, Render(merge.Complete(Lookback())));
        Assert.Same(altered, merge.ResultSchema);
    }

    [Fact]
    public void Schema_change_in_the_window_of_an_empty_chunk_voids_it()
    {
        var altered = Schema(ReplicaIdentity.Default, extraColumn: true);
        var merge = new ChunkMerge(7, 1, Table, Lw);
        merge.OnWindowChange(Ins(150, 61, [V("2"), V("b"), V("Y"), V("w")], schema: altered));
        merge.OnHighWatermark(Hw);
        merge.OnEnd(Snap, 0);

        Assert.False(merge.TryComplete(Lookback(), out _));
        Assert.Equal(ChunkVoidReason.SchemaChanged, merge.VoidReason);
    }

    [Fact]
    public void Invisible_change_before_the_low_watermark_in_another_shape_voids_the_chunk()
    {
        var altered = Schema(ReplicaIdentity.Default, extraColumn: true);
        var merge = Feed([Row("1", "a", "X")], []);

        Assert.False(merge.TryComplete(Lookback(Ins(90, Invisible, [V("2"), V("b"), V("Y"), V("w")], schema: altered)), out _));
        Assert.Equal(ChunkVoidReason.SchemaChanged, merge.VoidReason);
    }

    [Fact]
    public void Empty_chunk_emits_the_rows_inserted_in_the_window()
    {
        var merge = new ChunkMerge(7, 1, Table, Lw);
        merge.OnWindowChange(Ins(150, 61, Row("4", "d", "D")));
        merge.OnHighWatermark(Hw);
        merge.OnEnd(Snap, 0);

        var rows = merge.Complete(Lookback());
        Assert.Equal(new[] { "4|d|D" }, Render(rows));
        Assert.Equal(P(200, 1), rows[0].Position);
    }

    [Fact]
    public void Row_count_mismatch_voids_the_chunk()
    {
        var merge = new ChunkMerge(7, 1, Table, Lw);
        merge.OnRows(Table, [Row("1", "a", "X"), Row("2", "b", "Y")]);
        merge.OnHighWatermark(Hw);
        merge.OnEnd(Snap, 3);

        Assert.True(merge.Voided);
        Assert.Equal(ChunkVoidReason.RowCountMismatch, merge.VoidReason);
        Assert.Contains("3", merge.VoidDetail);
        Assert.False(merge.TryComplete(Lookback(), out _));
    }

    [Fact]
    public void Duplicate_key_among_the_chunk_rows_voids_the_chunk()
    {
        var merge = new ChunkMerge(7, 1, Table, Lw);
        merge.OnRows(Table, [Row("1", "a", "X")]);
        merge.OnRows(Table, [Row("1", "b", "Y")]);

        Assert.Equal(ChunkVoidReason.DuplicateKey, merge.VoidReason);
        Assert.False(merge.IsComplete);
        Assert.False(merge.TryComplete(Lookback(), out _)); // voided: no need to wait for the watermark and end marker
    }

    [Fact]
    public void Keys_are_compared_exactly()
    {
        var textKey = new TableSchema(new TableId("public", "t"), 1,
            [new ColumnSchema("k", 25, -1, "text", 'b', true), new ColumnSchema("v", 25, -1, "text", 'b', false)], ReplicaIdentity.Default);
        var merge = new ChunkMerge(7, 1, textKey, Lw);
        merge.OnRows(textKey, [[V("A"), V("1")], [V("a"), V("2")]]);
        merge.OnWindowChange(new StreamedChange(new RowChange(ChangeKind.Delete, P(150), null, [V("a"), A]), 61, textKey));
        merge.OnHighWatermark(Hw);
        merge.OnEnd(Snap, 2);

        Assert.Equal(new[] { "A|1" }, Render(merge.Complete(Lookback())));
    }

    [Fact]
    public void Composite_key_rows_are_matched_on_every_key_column()
    {
        var composite = new TableSchema(new TableId("public", "c"), 2,
            [
                new ColumnSchema("a", 23, -1, "integer", 'b', true),
                new ColumnSchema("v", 25, -1, "text", 'b', false),
                new ColumnSchema("b", 25, -1, "text", 'b', true),
            ], ReplicaIdentity.Default);
        StreamedChange Change(ChangeKind kind, ulong lsn, ColumnValue[]? @new, ColumnValue[]? old) =>
            new(new RowChange(kind, P(lsn), @new, old), 61, composite);
        var merge = new ChunkMerge(7, 1, composite, Lw);
        merge.OnRows(composite, [[V("1"), V("x"), V("p")], [V("1"), V("y"), V("q")], [V("2"), V("z"), V("p")]]);
        merge.OnWindowChange(Change(ChangeKind.Delete, 150, null, [V("1"), A, V("q")]));
        merge.OnWindowChange(Change(ChangeKind.Update, 160, [V("2"), V("z2"), V("p")], null));
        merge.OnWindowChange(Change(ChangeKind.Update, 170, [V("3"), V("moved"), V("p")], [V("1"), A, V("p")]));
        merge.OnHighWatermark(Hw);
        merge.OnEnd(Snap, 3);

        Assert.Equal(new[] { "2|z2|p", "3|moved|p" }, Render(merge.Complete(Lookback())));
    }

    [Fact]
    public void Table_without_a_key_is_refused_because_it_is_read_in_one_pass()
    {
        var noKey = new TableSchema(new TableId("public", "log"), 3,
            [new ColumnSchema("v", 25, -1, "text", 'b', false)], ReplicaIdentity.Full);

        var e = Assert.Throws<ArgumentException>(() => new ChunkMerge(7, 1, noKey, Lw));
        Assert.Contains("no key", e.Message);
    }

    [Fact]
    public void Chunk_rows_must_carry_every_value()
    {
        var merge = new ChunkMerge(7, 1, Table, Lw);

        Assert.Throws<ArgumentException>(() => merge.OnRows(Table, [Row("1", V("a"), U)]));
        Assert.Throws<ArgumentException>(() => merge.OnRows(Table, [[V("1"), V("a")]]));
    }

    [Fact]
    public void Stream_events_out_of_order_are_refused()
    {
        var merge = new ChunkMerge(7, 1, Table);
        Assert.Throws<InvalidOperationException>(() => merge.OnWindowChange(Ins(150, 61, Row("1", "a", "X"))));
        Assert.Throws<InvalidOperationException>(() => merge.OnHighWatermark(Hw));

        merge.OnLowWatermark(Lw);
        Assert.Throws<ArgumentException>(() => merge.OnWindowChange(Ins(90, 61, Row("1", "a", "X"))));
        merge.OnWindowChange(Ins(150, 61, Row("1", "a", "X")));
        Assert.Throws<ArgumentException>(() => merge.OnWindowChange(Ins(150, 61, Row("1", "a", "X"))));
        Assert.Throws<ArgumentException>(() => merge.OnHighWatermark(P(140)));
        merge.OnHighWatermark(Hw);
        Assert.Throws<InvalidOperationException>(() => merge.OnWindowChange(Ins(250, 61, Row("2", "a", "X"))));
    }

    [Fact]
    public void Rows_after_the_end_marker_and_a_second_completion_are_refused()
    {
        var merge = Feed([Row("1", "a", "X")], []);
        Assert.Throws<InvalidOperationException>(() => merge.OnRows(Table, [Row("2", "b", "Y")]));

        merge.Complete(Lookback());

        Assert.Throws<InvalidOperationException>(() => merge.Complete(Lookback()));
    }

    [Fact]
    public void Window_changes_arriving_after_the_end_marker_are_weighed_against_the_snapshot_the_same_way()
    {
        var merge = new ChunkMerge(7, 1, Table, Lw);
        merge.OnRows(Table, [Row("1", "fresh", "NEW"), Row("2", "moved", "X")]);
        merge.OnEnd(Snap, 2);
        merge.OnWindowChange(Upd(150, 50, Row("2", V("moved"), U), Key("1")));
        merge.OnWindowChange(Ins(160, 51, Row("1", "fresh", "NEW")));
        merge.OnWindowChange(Upd(170, 61, Row("2", V("later"), U)));
        merge.OnHighWatermark(Hw);

        Assert.Equal(new[] { "1|fresh|NEW", "2|later|X" }, Render(merge.Complete(Lookback())));
    }
}
