using ActorCdc.Core.Changes;
using ActorCdc.Sink.Files.Tests.Support;
using Xunit;
using static ActorCdc.Sink.Files.Tests.Support.Rows;

namespace ActorCdc.Sink.Files.Tests;

/// <summary>Every change becomes rows that carry its values, its operation, its position and its unchanged TOAST columns.</summary>
public sealed class ChangeRowsTests
{
    private static readonly Core.Schema.TableSchema Orders = Schema("public.orders",
        Column("id", Int8, "bigint", key: true),
        Column("note", Text, "text"),
        Column("doc", Jsonb, "jsonb"),
        Column("qty", Int4, "integer"));

    [Fact]
    public async Task Written_files_read_back_equal_the_changes_value_by_value()
    {
        await using var h = new SinkHarness();
        var sink = h.Sink("public.orders", "lake.orders");
        var bigNote = new string('x', 5000);
        RowChange[] changes =
        [
            Insert(At(1, 0), "1", bigNote, """{"k": 1}""", "5"),
            Insert(At(1, 1), "2", null, null, null),
            Update(At(2, 0), [V("1"), ColumnValue.UnchangedToast, ColumnValue.UnchangedToast, V("6")]),
            Update(At(3, 0), [V("20"), V("moved"), ColumnValue.UnchangedToast, V("7")],
                old: [V("2"), ColumnValue.Absent, ColumnValue.Absent, ColumnValue.Absent]),
            Delete(At(4, 0), [V("1"), ColumnValue.Absent, ColumnValue.Absent, ColumnValue.Absent]),
            Truncate(At(5, 0)),
            Insert(At(5, 1), "3", "after truncate", "[]", "0"),
        ];
        await h.ApplyAndCommitAsync(sink, Orders, changes);

        var file = Assert.Single(await h.ReadTableAsync("lake.orders"));
        Assert.StartsWith("lake.orders/dt=2024-03-01/part-", file.Key);
        Assert.Equal($"lake.orders/dt=2024-03-01/part-0000000100000010.0-0000000100000050.1.parquet", file.Key);
        Assert.Equal(
            ["id", "note", "doc", "qty", "__op", "__commit_lsn", "__index", "element"],
            file.Fields.Select(f => f.Name));
        Assert.Equal("public.orders", file.Metadata["actorcdc.source"]);
        Assert.Contains("\"type\":\"jsonb\"", file.Metadata["actorcdc.columns"]);

        object?[][] expected =
        [
            // id, note, doc, qty, __op, position, __unchanged_toast
            [1L, bigNote, """{"k": 1}""", 5, "insert", At(1, 0), null],
            [2L, null, null, null, "insert", At(1, 1), null],
            [1L, null, null, 6, "update", At(2, 0), new List<string> { "note", "doc" }],
            [2L, null, null, null, "update_before", At(3, 0), null],
            [20L, "moved", null, 7, "update", At(3, 0), new List<string> { "doc" }],
            [1L, null, null, null, "delete", At(4, 0), null],
            [null, null, null, null, "truncate", At(5, 0), null],
            [3L, "after truncate", "[]", 0, "insert", At(5, 1), null],
        ];
        Assert.Equal(expected.Length, file.Rows.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            var row = file.Rows[i];
            var e = expected[i];
            Assert.Equal(e[0], row["id"]);
            Assert.Equal(e[1], row["note"]);
            Assert.Equal(e[2], row["doc"]);
            Assert.Equal(e[3], row["qty"]);
            Assert.Equal(e[4], row["__op"]);
            var at = (Core.Positions.SourcePosition)e[5]!;
            Assert.Equal((long)at.CommitLsn.Value, row["__commit_lsn"]);
            Assert.Equal(at.Index, row["__index"]);
            Assert.Equal(e[6], row["__unchanged_toast"]);
        }
    }

    [Fact]
    public async Task Changes_already_written_are_skipped_when_replayed()
    {
        await using var h = new SinkHarness();
        var sink = h.Sink("public.orders");
        await sink.ApplyAsync(Orders, [Insert(At(1), "1", "a", null, "1"), Insert(At(2), "2", "b", null, "2")], At(2), h.Deadline);
        // A reconnect replays from an earlier position: only what is new is written.
        await h.ApplyAndCommitAsync(sink, Orders, Insert(At(1), "1", "a", null, "1"), Insert(At(2), "2", "b", null, "2"), Insert(At(3), "3", "c", null, "3"));
        Assert.Equal([1L, 2L, 3L], (await h.ReadRowsAsync("public.orders")).Select(r => (long)r["id"]!));
    }
}
