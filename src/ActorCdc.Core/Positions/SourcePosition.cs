namespace ActorCdc.Core.Positions;

/// <summary>
/// Where a change sits in the stream of one slot (DESIGN.md §3.1): the commit LSN of its transaction and
/// its index inside that transaction. Totally ordered; two changes never share a position.
/// </summary>
public readonly record struct SourcePosition(Lsn CommitLsn, long Index) : IComparable<SourcePosition>
{
    /// <summary>Before every change.</summary>
    public static readonly SourcePosition Start = new(Lsn.Zero, -1);

    /// <summary>The position just after every change of the transaction committed at <paramref name="commitLsn"/>.</summary>
    public static SourcePosition EndOf(Lsn commitLsn) => new(commitLsn, long.MaxValue);

    public int CompareTo(SourcePosition other)
    {
        var c = CommitLsn.CompareTo(other.CommitLsn);
        return c != 0 ? c : Index.CompareTo(other.Index);
    }

    public static bool operator <(SourcePosition a, SourcePosition b) => a.CompareTo(b) < 0;
    public static bool operator >(SourcePosition a, SourcePosition b) => a.CompareTo(b) > 0;
    public static bool operator <=(SourcePosition a, SourcePosition b) => a.CompareTo(b) <= 0;
    public static bool operator >=(SourcePosition a, SourcePosition b) => a.CompareTo(b) >= 0;

    public static SourcePosition Max(SourcePosition a, SourcePosition b) => a >= b ? a : b;

    public override string ToString() => Index == long.MaxValue ? $"{CommitLsn}#end" : $"{CommitLsn}#{Index}";
}
