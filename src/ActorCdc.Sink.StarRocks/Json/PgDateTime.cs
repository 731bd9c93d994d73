namespace ActorCdc.Sink.StarRocks.Json;

/// <summary>
/// Turns PostgreSQL's ISO date and timestamp output (<c>2024-01-02 03:04:05.123+00</c>, <c>infinity</c>, <c>... BC</c>,
/// years beyond 9999) into StarRocks' <c>yyyy-MM-dd HH:mm:ss.ffffff</c> / <c>yyyy-MM-dd</c>, converting offsets to UTC,
/// and says when a value falls outside StarRocks' range 0000-01-01..9999-12-31.
/// </summary>
internal static class PgDateTime
{
    public enum Range : byte { InRange, Below, Above, Invalid }

    /// <summary>Formats a timestamp or timestamptz into <paramref name="output"/> (26 bytes) when in range.</summary>
    public static Range TryFormatTimestamp(ReadOnlySpan<char> text, Span<byte> output)
    {
        if (text.SequenceEqual("infinity")) return Range.Above;
        if (text.SequenceEqual("-infinity")) return Range.Below;
        // Every BC value is before 0001-01-01; StarRocks' year 0 (1 BC) is not worth a calendar of its own.
        if (text.EndsWith(" BC")) return Range.Below;
        var i = 0;
        if (!ReadYear(text, ref i, out var year, out var tooLong)) return Range.Invalid;
        if (tooLong) return Range.Above;
        if (!Expect(text, ref i, '-') || !ReadDigits(text, ref i, 2, out var month) || !Expect(text, ref i, '-') || !ReadDigits(text, ref i, 2, out var day)
            || !Expect(text, ref i, ' ') || !ReadDigits(text, ref i, 2, out var hour) || !Expect(text, ref i, ':') || !ReadDigits(text, ref i, 2, out var minute)
            || !Expect(text, ref i, ':') || !ReadDigits(text, ref i, 2, out var second))
            return Range.Invalid;
        var micros = 0;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            var digits = 0;
            while (i < text.Length && text[i] is >= '0' and <= '9')
            {
                if (digits < 6) micros = micros * 10 + (text[i] - '0');
                digits++;
                i++;
            }
            if (digits == 0) return Range.Invalid;
            for (; digits < 6; digits++) micros *= 10;
        }
        var offsetSeconds = 0;
        if (i < text.Length)
        {
            var sign = text[i] switch { '+' => 1, '-' => -1, _ => 0 };
            if (sign == 0) return Range.Invalid;
            i++;
            if (!ReadDigits(text, ref i, 2, out var oh)) return Range.Invalid;
            var om = 0;
            var os = 0;
            if (i < text.Length && text[i] == ':' && (!Expect(text, ref i, ':') || !ReadDigits(text, ref i, 2, out om))) return Range.Invalid;
            if (i < text.Length && text[i] == ':' && (!Expect(text, ref i, ':') || !ReadDigits(text, ref i, 2, out os))) return Range.Invalid;
            if (i != text.Length) return Range.Invalid;
            offsetSeconds = sign * (oh * 3600 + om * 60 + os);
        }

        if (offsetSeconds != 0 || hour == 24)
        {
            if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 24 || minute > 59 || second > 60)
                return Range.Invalid;
            var ticks = new DateTime(year, month, day).Ticks
                        + (hour * 3600L + minute * 60L + second - offsetSeconds) * TimeSpan.TicksPerSecond + micros * 10L;
            if (ticks < 0) return Range.Below;
            if (ticks > DateTime.MaxValue.Ticks) return Range.Above;
            var utc = new DateTime(ticks);
            (year, month, day, hour, minute, second) = (utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, utc.Second);
        }
        Write(output[..4], year);
        output[4] = (byte)'-';
        Write(output.Slice(5, 2), month);
        output[7] = (byte)'-';
        Write(output.Slice(8, 2), day);
        output[10] = (byte)' ';
        Write(output.Slice(11, 2), hour);
        output[13] = (byte)':';
        Write(output.Slice(14, 2), minute);
        output[16] = (byte)':';
        Write(output.Slice(17, 2), second);
        output[19] = (byte)'.';
        Write(output.Slice(20, 6), micros);
        return Range.InRange;
    }

    /// <summary>Formats a date into <paramref name="output"/> (10 bytes) when in range.</summary>
    public static Range TryFormatDate(ReadOnlySpan<char> text, Span<byte> output)
    {
        if (text.SequenceEqual("infinity")) return Range.Above;
        if (text.SequenceEqual("-infinity")) return Range.Below;
        if (text.EndsWith(" BC")) return Range.Below;
        var i = 0;
        if (!ReadYear(text, ref i, out var year, out var tooLong)) return Range.Invalid;
        if (tooLong) return Range.Above;
        if (!Expect(text, ref i, '-') || !ReadDigits(text, ref i, 2, out var month) || !Expect(text, ref i, '-') || !ReadDigits(text, ref i, 2, out var day)
            || i != text.Length)
            return Range.Invalid;
        Write(output[..4], year);
        output[4] = (byte)'-';
        Write(output.Slice(5, 2), month);
        output[7] = (byte)'-';
        Write(output.Slice(8, 2), day);
        return Range.InRange;
    }

    private static bool ReadYear(ReadOnlySpan<char> text, ref int i, out int year, out bool tooLong)
    {
        year = 0;
        var start = i;
        while (i < text.Length && text[i] is >= '0' and <= '9')
        {
            if (i - start < 9) year = year * 10 + (text[i] - '0');
            i++;
        }
        var digits = i - start;
        tooLong = digits > 4 && year > 9999;
        return digits >= 4;
    }

    private static bool ReadDigits(ReadOnlySpan<char> text, ref int i, int count, out int value)
    {
        value = 0;
        if (i + count > text.Length) return false;
        for (var k = 0; k < count; k++)
        {
            var ch = text[i + k];
            if (ch is < '0' or > '9') return false;
            value = value * 10 + (ch - '0');
        }
        i += count;
        return true;
    }

    private static bool Expect(ReadOnlySpan<char> text, ref int i, char ch)
    {
        if (i >= text.Length || text[i] != ch) return false;
        i++;
        return true;
    }

    private static void Write(Span<byte> output, int value)
    {
        for (var k = output.Length - 1; k >= 0; k--)
        {
            output[k] = (byte)('0' + value % 10);
            value /= 10;
        }
    }
}
