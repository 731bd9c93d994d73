using System.Globalization;
using System.Numerics;

namespace ActorCdc.Sink.Files.Columns;

/// <summary>
/// Exact parsers of PostgreSQL's text output (DateStyle=ISO, TimeZone=UTC, extra_float_digits=3) into .NET values. Each
/// returns false for a value the .NET type cannot hold exactly (infinity, BC, year 10000+, NaN numeric), never rounds.
/// </summary>
internal static class PgText
{
    private const NumberStyles IntegerStyle = NumberStyles.AllowLeadingSign;
    private const NumberStyles DecimalStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;

    public static bool TryParseBool(string text, out bool value)
    {
        value = text.Length == 1 && text[0] == 't';
        return text.Length == 1 && (text[0] == 't' || text[0] == 'f');
    }

    public static bool TryParseInt16(string text, out short value) => short.TryParse(text, IntegerStyle, CultureInfo.InvariantCulture, out value);

    public static bool TryParseInt32(string text, out int value) => int.TryParse(text, IntegerStyle, CultureInfo.InvariantCulture, out value);

    public static bool TryParseInt64(string text, out long value) => long.TryParse(text, IntegerStyle, CultureInfo.InvariantCulture, out value);

    /// <summary>float4: with extra_float_digits &gt; 0 PostgreSQL prints the shortest text that reads back to the same float.</summary>
    public static bool TryParseFloat(string text, out float value) => float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    public static bool TryParseDouble(string text, out double value) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>numeric(p,s) with p ≤ 28: the text carries exactly s fractional digits; NaN does not parse.</summary>
    public static bool TryParseDecimal(string text, out decimal value)
    {
        // Fast path for up to 18 digits (every numeric(p,s) with p ≤ 18): the unscaled value and the scale, exactly.
        var s = text.AsSpan();
        var negative = s.Length > 0 && s[0] == '-';
        ulong unscaled = 0;
        var digits = 0;
        var scale = -1;
        for (var i = negative ? 1 : 0; i < s.Length; i++)
        {
            var ch = s[i];
            if (ch == '.' && scale < 0)
            {
                scale = 0;
                continue;
            }
            var d = ch - '0';
            if ((uint)d > 9 || ++digits > 18) return decimal.TryParse(text, DecimalStyle, CultureInfo.InvariantCulture, out value);
            unscaled = unscaled * 10 + (uint)d;
            if (scale >= 0) scale++;
        }
        if (digits == 0) return decimal.TryParse(text, DecimalStyle, CultureInfo.InvariantCulture, out value);
        value = new decimal((int)(uint)unscaled, (int)(uint)(unscaled >> 32), 0, negative, (byte)Math.Max(scale, 0));
        return true;
    }

    /// <summary>numeric(p,s) with p &gt; 28: the unscaled value (digits without the point, padded to <paramref name="scale"/>).</summary>
    public static bool TryParseUnscaled(string text, int scale, out BigInteger unscaled)
    {
        unscaled = default;
        var span = text.AsSpan();
        if (span.Length == 0 || span.Length > 64) return false;
        Span<char> digits = stackalloc char[span.Length + scale + 1];
        var n = 0;
        var fraction = -1;
        for (var i = 0; i < span.Length; i++)
        {
            var ch = span[i];
            if (ch == '-' && i == 0) digits[n++] = ch;
            else if (ch == '.' && fraction < 0) fraction = 0;
            else if (char.IsAsciiDigit(ch))
            {
                digits[n++] = ch;
                if (fraction >= 0) fraction++;
            }
            else return false;
        }
        if (fraction < 0) fraction = 0;
        if (fraction > scale) return false;
        for (; fraction < scale; fraction++) digits[n++] = '0';
        return BigInteger.TryParse(digits[..n], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out unscaled);
    }

    /// <summary><c>YYYY-MM-DD</c> with a four-digit year; <c>infinity</c>, BC dates and years past 9999 do not parse.</summary>
    public static bool TryParseDate(string text, out DateOnly value)
    {
        value = default;
        var s = text.AsSpan();
        if (s.Length != 10 || s[4] != '-' || s[7] != '-') return false;
        if (!TryDigits(s, 0, 4, out var year) || !TryDigits(s, 5, 2, out var month) || !TryDigits(s, 8, 2, out var day)) return false;
        if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        value = new DateOnly(year, month, day);
        return true;
    }

    /// <summary>
    /// <c>YYYY-MM-DD HH:MM:SS[.ffffff]</c>, followed by a UTC offset (<c>+00</c>, <c>-03:30</c>, <c>+05:53:28</c>) when
    /// <paramref name="withOffset"/>; the result is in UTC (timestamptz) or the wall-clock time marked UTC (timestamp).
    /// </summary>
    public static bool TryParseTimestamp(string text, bool withOffset, out DateTime value)
    {
        value = default;
        var s = text.AsSpan();
        if (s.Length < 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':') return false;
        if (!TryDigits(s, 0, 4, out var year) || !TryDigits(s, 5, 2, out var month) || !TryDigits(s, 8, 2, out var day)
            || !TryDigits(s, 11, 2, out var hour) || !TryDigits(s, 14, 2, out var minute) || !TryDigits(s, 17, 2, out var second))
            return false;
        if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
            return false;
        var pos = 19;
        long fractionTicks = 0;
        if (pos < s.Length && s[pos] == '.')
        {
            pos++;
            var digits = 0;
            while (pos < s.Length && char.IsAsciiDigit(s[pos]))
            {
                if (digits == 7) return false;
                fractionTicks = fractionTicks * 10 + (s[pos] - '0');
                digits++;
                pos++;
            }
            if (digits == 0) return false;
            for (; digits < 7; digits++) fractionTicks *= 10;
        }
        long offsetSeconds = 0;
        if (withOffset)
        {
            if (pos + 3 > s.Length || (s[pos] != '+' && s[pos] != '-') || !TryDigits(s, pos + 1, 2, out var oh)) return false;
            var sign = s[pos] == '-' ? -1 : 1;
            pos += 3;
            var om = 0;
            var os = 0;
            if (pos < s.Length && s[pos] == ':')
            {
                if (pos + 3 > s.Length || !TryDigits(s, pos + 1, 2, out om)) return false;
                pos += 3;
                if (pos < s.Length && s[pos] == ':')
                {
                    if (pos + 3 > s.Length || !TryDigits(s, pos + 1, 2, out os)) return false;
                    pos += 3;
                }
            }
            offsetSeconds = sign * (oh * 3600L + om * 60L + os);
        }
        // Anything left over (" BC", a longer year already failed above) means the value is not a plain timestamp.
        if (pos != s.Length) return false;
        var ticks = new DateTime(year, month, day, hour, minute, second).Ticks + fractionTicks - offsetSeconds * TimeSpan.TicksPerSecond;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) return false;
        value = new DateTime(ticks, DateTimeKind.Utc);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = s[i] - '0';
            if ((uint)d > 9) return false;
            value = value * 10 + d;
        }
        return true;
    }
}
