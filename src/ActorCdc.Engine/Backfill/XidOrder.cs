namespace ActorCdc.Engine.Backfill;

/// <summary>PostgreSQL's circular order of 32-bit transaction ids (<c>TransactionIdPrecedes</c>).</summary>
internal static class XidOrder
{
    /// <summary>True when <paramref name="a"/> was assigned before <paramref name="b"/>, valid for ids less than 2^31 apart.</summary>
    public static bool Precedes(uint a, uint b) => (int)(a - b) < 0;

    /// <summary>The later of two ids in circular order.</summary>
    public static uint Max(uint a, uint b) => Precedes(a, b) ? b : a;
}
