using System.Globalization;

namespace ActorCdc.Core.Positions;

/// <summary>A PostgreSQL write-ahead log position, printed as PostgreSQL does (<c>16/B374D848</c>).</summary>
public readonly record struct Lsn(ulong Value) : IComparable<Lsn>
{
    public static readonly Lsn Zero = new(0);

    public int CompareTo(Lsn other) => Value.CompareTo(other.Value);

    public static bool operator <(Lsn a, Lsn b) => a.Value < b.Value;
    public static bool operator >(Lsn a, Lsn b) => a.Value > b.Value;
    public static bool operator <=(Lsn a, Lsn b) => a.Value <= b.Value;
    public static bool operator >=(Lsn a, Lsn b) => a.Value >= b.Value;

    public static Lsn Max(Lsn a, Lsn b) => a.Value >= b.Value ? a : b;

    public override string ToString() => $"{Value >> 32:X}/{Value & 0xFFFFFFFF:X}";

    /// <summary>Parses the <c>X/Y</c> form PostgreSQL prints.</summary>
    public static Lsn Parse(string text)
    {
        if (!TryParse(text, out var lsn))
            throw new FormatException($"'{text}' is not an LSN; expected the form X/Y in hexadecimal, e.g. 0/16B3748");
        return lsn;
    }

    public static bool TryParse(string? text, out Lsn lsn)
    {
        lsn = Zero;
        if (string.IsNullOrEmpty(text)) return false;
        var slash = text.IndexOf('/');
        if (slash <= 0 || slash == text.Length - 1) return false;
        if (!uint.TryParse(text.AsSpan(0, slash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hi)) return false;
        if (!uint.TryParse(text.AsSpan(slash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var lo)) return false;
        lsn = new Lsn(((ulong)hi << 32) | lo);
        return true;
    }
}
