using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Engine.Backfill;
using Xunit;
using static ActorCdc.Engine.Tests.Backfill.Rows;

namespace ActorCdc.Engine.Tests.Backfill;

/// <summary>The stream and the ChunkReader are different senders: every interleaving of their messages must merge the same.</summary>
public class ChunkMergeArrivalOrderTests
{
    private static readonly SourcePosition Lw = P(100);
    private static readonly SourcePosition Hw = P(200);
    private static readonly TestSnapshot Snap = new(50, 60, 55);

    private static readonly ColumnValue[][] FirstRows = [Row("1", "a", "X"), Row("2", "b", "Y")];
    private static readonly ColumnValue[][] SecondRows = [Row("3", "c", "Z"), Row("4", "d", "W")];

    // Window: a partial update of a chunk row, a change the snapshot already sees, an insert, a delete and a key move.
    private static readonly StreamedChange[] Window =
    [
        Upd(110, 61, Row("2", V("b2"), U)),
        Upd(120, 52, Row("3", "c", "Z")),
        Ins(130, 62, Row("9", "n", "N")),
        Del(140, 63, Key("3")),
        Upd(150, 64, Row("7", V("moved"), U), Key("1")),
    ];

    private static readonly string[] Expected = ["2|b2|Y", "4|d|W", "9|n|N", "7|moved|X"];

    private enum Event { LowWatermark, Window0, Window1, Window2, Window3, Window4, HighWatermark, FirstRows, SecondRows, End }

    [Fact]
    public void Every_interleaving_of_rows_end_marker_and_stream_gives_the_same_result()
    {
        Event[] stream = [Event.LowWatermark, Event.Window0, Event.Window1, Event.Window2, Event.Window3, Event.Window4, Event.HighWatermark];
        Event[] reader = [Event.FirstRows, Event.SecondRows, Event.End];
        var orders = 0;
        foreach (var order in Interleavings(stream, reader))
        {
            orders++;
            var merge = new ChunkMerge(3, 2, Table);
            var highSeen = false;
            var endSeen = false;
            foreach (var e in order)
            {
                Deliver(merge, e);
                highSeen |= e == Event.HighWatermark;
                endSeen |= e == Event.End;
                Assert.True(merge.IsComplete == (highSeen && endSeen), string.Join(",", order));
            }
            var rows = merge.Complete(new LookbackBuffer(100, 1 << 20));
            Assert.True(Expected.SequenceEqual(Render(rows)), $"{string.Join(",", order)} gave {string.Join(" ", Render(rows))}");
            for (var i = 0; i < rows.Count; i++)
                Assert.Equal(new SourcePosition(Hw.CommitLsn, i + 1), rows[i].Position);
        }
        Assert.Equal(120, orders); // C(10, 3)
    }

    private static void Deliver(ChunkMerge merge, Event e)
    {
        switch (e)
        {
            case Event.LowWatermark: merge.OnLowWatermark(Lw); break;
            case Event.HighWatermark: merge.OnHighWatermark(Hw); break;
            case Event.FirstRows: merge.OnRows(Table, FirstRows); break;
            case Event.SecondRows: merge.OnRows(Table, SecondRows); break;
            case Event.End: merge.OnEnd(Snap, FirstRows.Length + SecondRows.Length); break;
            default: merge.OnWindowChange(Window[e - Event.Window0]); break;
        }
    }

    private static IEnumerable<Event[]> Interleavings(Event[] a, Event[] b)
    {
        if (a.Length == 0) { yield return b; yield break; }
        if (b.Length == 0) { yield return a; yield break; }
        foreach (var rest in Interleavings(a[1..], b))
            yield return [a[0], .. rest];
        foreach (var rest in Interleavings(a, b[1..]))
            yield return [b[0], .. rest];
    }
}
