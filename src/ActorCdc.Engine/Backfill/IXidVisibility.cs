namespace ActorCdc.Engine.Backfill;

/// <summary>
/// What a chunk's snapshot (<c>pg_current_snapshot()</c>) sees, asked with the 32-bit xids the WAL carries. The engine
/// adapts the source's snapshot type to it; the merge needs nothing else from the snapshot.
/// </summary>
public interface IXidVisibility
{
    /// <summary>True when the snapshot sees the effects of the committed transaction <paramref name="xid"/>.</summary>
    bool IsVisible(uint xid);

    /// <summary>The low 32 bits of the snapshot's xmin: every transaction it does not see has an xid at or after it (modulo 2^32).</summary>
    uint XminLow32 { get; }
}
