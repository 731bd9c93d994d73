using System.Globalization;
using System.Text;

namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// A parsed <c>pg_current_snapshot()</c> (<c>xmin:xmax:xip1,xip2</c>, 64-bit xids) that tells whether a transaction's
/// effects are in the snapshot, for the backfill merge rule on invisible transactions (DESIGN.md §3.5).
/// </summary>
/// <remarks>
/// pgoutput's Begin carries 32-bit xids. <see cref="IsVisible(uint)"/> widens one to the 64-bit xid nearest to
/// <see cref="Xmax"/> (within 2^31 either side, PostgreSQL's own modular xid comparison). That is exact as long as the
/// transaction and the snapshot are less than 2^31 xids apart, which PostgreSQL itself guarantees for any xid that can
/// still appear in the WAL being decoded (wraparound protection stops the server long before), and which backfill
/// windows, a few seconds wide, satisfy by many orders of magnitude.
/// </remarks>
public sealed class SnapshotInfo : IEquatable<SnapshotInfo>
{
    private readonly ulong[] _inProgress;

    public SnapshotInfo(ulong xmin, ulong xmax, IEnumerable<ulong> inProgress)
    {
        ArgumentNullException.ThrowIfNull(inProgress);
        if (xmin > xmax) throw new ArgumentException($"snapshot xmin {xmin} is above xmax {xmax}", nameof(xmin));
        var xip = inProgress.ToArray();
        Array.Sort(xip);
        for (var i = 0; i < xip.Length; i++)
        {
            if (xip[i] < xmin || xip[i] >= xmax)
                throw new ArgumentException($"in-progress xid {xip[i]} lies outside [xmin {xmin}, xmax {xmax})", nameof(inProgress));
            if (i > 0 && xip[i] == xip[i - 1])
                throw new ArgumentException($"in-progress xid {xip[i]} is listed twice", nameof(inProgress));
        }
        Xmin = xmin;
        Xmax = xmax;
        _inProgress = xip;
    }

    /// <summary>Every transaction below this had finished when the snapshot was taken.</summary>
    public ulong Xmin { get; }

    /// <summary>No transaction at or above this had finished when the snapshot was taken.</summary>
    public ulong Xmax { get; }

    /// <summary>Transactions between <see cref="Xmin"/> and <see cref="Xmax"/> still running at the snapshot, ascending.</summary>
    public IReadOnlyList<ulong> InProgress => _inProgress;

    /// <summary><see cref="Xmin"/> as the 32-bit xid pgoutput and <c>pg_stat_activity.backend_xmin</c> print.</summary>
    public uint Xmin32 => (uint)Xmin;

    /// <summary><see cref="Xmax"/> as a 32-bit xid.</summary>
    public uint Xmax32 => (uint)Xmax;

    /// <summary>Parses the text of <c>pg_current_snapshot()</c>; throws <see cref="FormatException"/> on anything else.</summary>
    public static SnapshotInfo Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(':');
        if (parts.Length != 3)
            throw new FormatException($"'{text}' is not a pg_snapshot; expected xmin:xmax:xip1,xip2,... as pg_current_snapshot() prints it");
        var xmin = ParseXid(parts[0], text);
        var xmax = ParseXid(parts[1], text);
        var xip = new List<ulong>();
        if (parts[2].Length > 0)
            foreach (var p in parts[2].Split(',')) xip.Add(ParseXid(p, text));
        try
        {
            return new SnapshotInfo(xmin, xmax, xip);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"'{text}' is not a consistent pg_snapshot: {e.Message}", e);
        }
    }

    /// <summary>True when the effects of transaction <paramref name="xid"/> (64-bit) are in the snapshot.</summary>
    public bool IsVisible(ulong xid)
    {
        if (xid < Xmin) return true;
        if (xid >= Xmax) return false;
        return Array.BinarySearch(_inProgress, xid) < 0;
    }

    /// <summary>
    /// True when the effects of the transaction with 32-bit <paramref name="xid"/> (pgoutput's Begin) are in the
    /// snapshot; see the remarks for the wraparound assumption.
    /// </summary>
    public bool IsVisible(uint xid) => IsVisible(ToFullXid(xid));

    /// <summary>The 64-bit xid whose low 32 bits are <paramref name="xid"/> and which lies nearest to <see cref="Xmax"/>.</summary>
    public ulong ToFullXid(uint xid)
    {
        // Signed 32-bit distance, as PostgreSQL's TransactionIdPrecedes computes it.
        var distance = (int)(xid - Xmax32);
        var full = (long)Xmax + distance;
        // Only in the first epoch can "nearest" fall below zero; there the xid is simply itself.
        return full < 0 ? xid : (ulong)full;
    }

    public bool Equals(SnapshotInfo? other) =>
        other is not null && Xmin == other.Xmin && Xmax == other.Xmax && _inProgress.AsSpan().SequenceEqual(other._inProgress);

    public override bool Equals(object? obj) => obj is SnapshotInfo s && Equals(s);

    public override int GetHashCode() => HashCode.Combine(Xmin, Xmax, _inProgress.Length);

    /// <summary>The snapshot as PostgreSQL prints it; <see cref="Parse"/> reads it back.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Xmin.ToString(CultureInfo.InvariantCulture)).Append(':').Append(Xmax.ToString(CultureInfo.InvariantCulture)).Append(':');
        for (var i = 0; i < _inProgress.Length; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(_inProgress[i].ToString(CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    private static ulong ParseXid(string part, string text)
    {
        // Digits only: no sign, no spaces, no hex; ulong.Parse alone would accept some of those.
        if (part.Length == 0 || part.Length > 20)
            throw new FormatException($"'{text}' is not a pg_snapshot: '{part}' is not an xid");
        foreach (var ch in part)
            if (ch is < '0' or > '9') throw new FormatException($"'{text}' is not a pg_snapshot: '{part}' is not an xid");
        if (!ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var xid))
            throw new FormatException($"'{text}' is not a pg_snapshot: '{part}' does not fit in 64 bits");
        return xid;
    }
}
