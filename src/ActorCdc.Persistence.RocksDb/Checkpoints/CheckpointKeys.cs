using System.Globalization;
using System.Text;

namespace ActorCdc.Persistence.RocksDb.Checkpoints;

/// <summary>
/// Object key layout of checkpoint storage: <c>snapshots/&lt;escaped pid&gt;/&lt;seqNr:D20&gt;-&lt;ticks:D19&gt;.snap</c>, so that
/// keys of one persistence id sort by sequence number, then time. Escaping makes any string one safe key segment.
/// </summary>
internal static class CheckpointKeys
{
    public const string SnapshotsRoot = "snapshots/";
    public const string SnapshotSuffix = ".snap";

    public static string SnapshotPrefix(string persistenceId) => SnapshotsRoot + EscapeSegment(persistenceId) + "/";

    public static string SnapshotKey(string persistenceId, long sequenceNr, DateTime timestampUtc) =>
        SnapshotPrefix(persistenceId) + SnapshotFileName(sequenceNr, SnapshotObject.ToUtc(timestampUtc).Ticks);

    public static string SnapshotFileName(long sequenceNr, long ticks) =>
        sequenceNr.ToString("D20", CultureInfo.InvariantCulture) + "-" + ticks.ToString("D19", CultureInfo.InvariantCulture) + SnapshotSuffix;

    /// <summary>Reads sequence number and timestamp ticks back from a key under <see cref="SnapshotPrefix"/>; false for anything else.</summary>
    public static bool TryParseSnapshotKey(string key, string prefix, out long sequenceNr, out long ticks)
    {
        sequenceNr = 0;
        ticks = 0;
        if (!key.StartsWith(prefix, StringComparison.Ordinal) || !key.EndsWith(SnapshotSuffix, StringComparison.Ordinal)) return false;
        var name = key.AsSpan(prefix.Length, key.Length - prefix.Length - SnapshotSuffix.Length);
        if (name.Length != 40 || name[20] != '-') return false;
        return long.TryParse(name[..20], NumberStyles.None, CultureInfo.InvariantCulture, out sequenceNr)
               && long.TryParse(name[21..], NumberStyles.None, CultureInfo.InvariantCulture, out ticks);
    }

    /// <summary>
    /// Percent-encodes (UTF-8, upper-case hex) every character but ASCII letters, digits, '-', '_' and a '.' that is not
    /// first, so the result is never empty, '.', '..', nor contains '/', and maps distinct strings to distinct segments.
    /// </summary>
    public static string EscapeSegment(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        var sb = new StringBuilder(value.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '_' || (c == '.' && i > 0))
            {
                sb.Append(c);
                continue;
            }
            int length;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                length = Encoding.UTF8.GetBytes(value.AsSpan(i++, 2), utf8);
            }
            else if (char.IsSurrogate(c))
            {
                // A lone surrogate has no UTF-8 form; %uXXXX keeps the mapping one-to-one.
                sb.Append("%u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                continue;
            }
            else
            {
                length = Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
            }
            foreach (var b in utf8[..length]) sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
