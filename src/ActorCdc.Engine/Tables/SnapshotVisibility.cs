using ActorCdc.Engine.Backfill;
using ActorCdc.Source.Postgres.Snapshots;

namespace ActorCdc.Engine.Tables;

/// <summary>Adapts a chunk's <see cref="SnapshotInfo"/> to what the merge asks of it.</summary>
internal sealed class SnapshotVisibility(SnapshotInfo snapshot) : IXidVisibility
{
    public bool IsVisible(uint xid) => snapshot.IsVisible(xid);

    public uint XminLow32 => (uint)snapshot.Xmin;
}
