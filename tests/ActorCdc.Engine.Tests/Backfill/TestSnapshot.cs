using ActorCdc.Engine.Backfill;

namespace ActorCdc.Engine.Tests.Backfill;

/// <summary>A snapshot as <c>pg_current_snapshot()</c> describes it (xmin, xmax, in-progress xids), in 32-bit circular xid order.</summary>
internal sealed class TestSnapshot : IXidVisibility
{
    private readonly uint _xmax;
    private readonly HashSet<uint> _inProgress;

    public TestSnapshot(uint xmin, uint xmax, params uint[] inProgress)
    {
        XminLow32 = xmin;
        _xmax = xmax;
        _inProgress = new HashSet<uint>(inProgress);
    }

    public uint XminLow32 { get; }

    public bool IsVisible(uint xid) => Precedes(xid, XminLow32) || (Precedes(xid, _xmax) && !_inProgress.Contains(xid));

    private static bool Precedes(uint a, uint b) => (int)(a - b) < 0;

    public override string ToString() => $"{XminLow32}:{_xmax}:{string.Join(",", _inProgress)}";
}
