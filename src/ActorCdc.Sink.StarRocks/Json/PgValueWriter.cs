using System.Text.Json;
using ActorCdc.Core.Failures;

namespace ActorCdc.Sink.StarRocks.Json;

/// <summary>
/// Writes one PostgreSQL text value (DateStyle=ISO, TimeZone=UTC, extra_float_digits=3) as the JSON value StarRocks loads
/// into the mapped column, without allocating: integers and short numerics as numbers, t/f as booleans, timestamps as
/// <c>yyyy-MM-dd HH:mm:ss.ffffff</c> in UTC, json embedded, array literals as JSON arrays. Values StarRocks cannot hold
/// follow <see cref="UnrepresentablePolicy"/>. One instance per table sink (it keeps a scratch buffer).
/// </summary>
internal sealed class PgValueWriter(UnrepresentablePolicy policy)
{
    /// <summary>Digits a double holds exactly, so a numeric with at most this many significant digits is sent as a number.</summary>
    public const int ExactDoubleDigits = 15;

    private static ReadOnlySpan<byte> MinTimestamp => "0000-01-01 00:00:00.000000"u8;
    private static ReadOnlySpan<byte> MaxTimestamp => "9999-12-31 23:59:59.999999"u8;
    private static ReadOnlySpan<byte> MinDate => "0000-01-01"u8;
    private static ReadOnlySpan<byte> MaxDate => "9999-12-31"u8;
    private static ReadOnlySpan<byte> MaxDouble => "1.7976931348623157e308"u8;
    private static ReadOnlySpan<byte> MinDouble => "-1.7976931348623157e308"u8;

    private char[] _scratch = [];

    public UnrepresentablePolicy Policy { get; } = policy;

    /// <summary>Writes the value of <paramref name="column"/> given as PostgreSQL text.</summary>
    public void Write(Utf8JsonWriter writer, EncodedColumn column, string text)
    {
        if (column.Encoding == ColumnEncoding.Array) WriteArray(writer, column, text);
        else WriteScalar(writer, column, column.Encoding, text);
    }

    private void WriteScalar(Utf8JsonWriter writer, EncodedColumn column, ColumnEncoding encoding, ReadOnlySpan<char> text)
    {
        switch (encoding)
        {
            case ColumnEncoding.Integer:
                if (IsJsonInteger(text)) writer.WriteRawValue(text, skipInputValidation: true);
                else writer.WriteStringValue(text);
                break;
            case ColumnEncoding.Float:
                WriteFloat(writer, column, text);
                break;
            case ColumnEncoding.Decimal:
                WriteDecimal(writer, column, text);
                break;
            case ColumnEncoding.Boolean:
                if (text is "t" or "true") writer.WriteBooleanValue(true);
                else if (text is "f" or "false") writer.WriteBooleanValue(false);
                else writer.WriteStringValue(text);
                break;
            case ColumnEncoding.Timestamp:
            case ColumnEncoding.TimestampTz:
                WriteTimestamp(writer, column, text);
                break;
            case ColumnEncoding.Date:
                WriteDate(writer, column, text);
                break;
            case ColumnEncoding.Json:
                WriteJson(writer, text);
                break;
            default:
                writer.WriteStringValue(text);
                break;
        }
    }

    private void WriteFloat(Utf8JsonWriter writer, EncodedColumn column, ReadOnlySpan<char> text)
    {
        if (IsJsonNumber(text))
        {
            writer.WriteRawValue(text, skipInputValidation: true);
            return;
        }
        if (text is "Infinity" or "-Infinity")
        {
            if (Decide(column, text, "it is infinite") == Outcome.Clamp)
                writer.WriteRawValue(text[0] == '-' ? MinDouble : MaxDouble, skipInputValidation: true);
            else writer.WriteNullValue();
            return;
        }
        if (text is "NaN")
        {
            Decide(column, text, "StarRocks has no NaN");
            writer.WriteNullValue();
            return;
        }
        writer.WriteStringValue(text);
    }

    private void WriteDecimal(Utf8JsonWriter writer, EncodedColumn column, ReadOnlySpan<char> text)
    {
        if (text is "NaN" or "Infinity" or "-Infinity")
        {
            Decide(column, text, "DECIMAL has no NaN or infinity");
            writer.WriteNullValue();
            return;
        }
        if (!IsJsonNumber(text))
        {
            writer.WriteStringValue(text);
            return;
        }
        // Count digits before the point (without leading zeros) and significant digits overall.
        var integerDigits = 0;
        var significant = 0;
        var seenPoint = false;
        var leading = true;
        foreach (var ch in text)
        {
            if (ch == '.') { seenPoint = true; continue; }
            if (ch is 'e' or 'E') break;
            if (ch is < '0' or > '9') continue;
            if (leading && ch == '0') continue;
            leading = false;
            significant++;
            if (!seenPoint) integerDigits++;
        }
        if (column.MaxIntegerDigits >= 0 && integerDigits > column.MaxIntegerDigits)
        {
            Decide(column, text, $"it has more than {column.MaxIntegerDigits} digits before the point");
            writer.WriteNullValue();
            return;
        }
        if (significant <= ExactDoubleDigits) writer.WriteRawValue(text, skipInputValidation: true);
        else writer.WriteStringValue(text);
    }

    private void WriteTimestamp(Utf8JsonWriter writer, EncodedColumn column, ReadOnlySpan<char> text)
    {
        Span<byte> buffer = stackalloc byte[26];
        var range = PgDateTime.TryFormatTimestamp(text, buffer);
        switch (range)
        {
            case PgDateTime.Range.InRange:
                writer.WriteStringValue(buffer);
                break;
            case PgDateTime.Range.Below:
            case PgDateTime.Range.Above:
                if (Decide(column, text, "it is outside DATETIME's range 0000-01-01..9999-12-31") == Outcome.Clamp)
                    writer.WriteStringValue(range == PgDateTime.Range.Below ? MinTimestamp : MaxTimestamp);
                else writer.WriteNullValue();
                break;
            default:
                writer.WriteStringValue(text);
                break;
        }
    }

    private void WriteDate(Utf8JsonWriter writer, EncodedColumn column, ReadOnlySpan<char> text)
    {
        Span<byte> buffer = stackalloc byte[10];
        var range = PgDateTime.TryFormatDate(text, buffer);
        switch (range)
        {
            case PgDateTime.Range.InRange:
                writer.WriteStringValue(buffer);
                break;
            case PgDateTime.Range.Below:
            case PgDateTime.Range.Above:
                if (Decide(column, text, "it is outside DATE's range 0000-01-01..9999-12-31") == Outcome.Clamp)
                    writer.WriteStringValue(range == PgDateTime.Range.Below ? MinDate : MaxDate);
                else writer.WriteNullValue();
                break;
            default:
                writer.WriteStringValue(text);
                break;
        }
    }

    private static void WriteJson(Utf8JsonWriter writer, ReadOnlySpan<char> text)
    {
        try
        {
            writer.WriteRawValue(text);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            // PostgreSQL only stores valid JSON; should anything else arrive, it is loaded as a JSON string, not lost.
            writer.WriteStringValue(text);
        }
    }

    private void WriteArray(Utf8JsonWriter writer, EncodedColumn column, string text)
    {
        var element = column.ElementEncoding;
        if (element != ColumnEncoding.Json && PgArrayLiteral.IsMultiDimensional(text))
        {
            Decide(column, text, "it is a multi-dimensional array and the column is a one-dimensional ARRAY");
            writer.WriteNullValue();
            return;
        }
        var reader = new PgArrayLiteral(text);
        if (!reader.TryStart())
        {
            writer.WriteStringValue(text);
            return;
        }
        WriteArrayBody(writer, column, ref reader);
    }

    private void WriteArrayBody(Utf8JsonWriter writer, EncodedColumn column, ref PgArrayLiteral reader)
    {
        writer.WriteStartArray();
        while (true)
        {
            var token = reader.Next(ref _scratch);
            switch (token.Kind)
            {
                case PgArrayLiteral.TokenKind.End:
                    writer.WriteEndArray();
                    return;
                case PgArrayLiteral.TokenKind.StartNested:
                    WriteArrayBody(writer, column, ref reader);
                    break;
                case PgArrayLiteral.TokenKind.Null:
                    writer.WriteNullValue();
                    break;
                case PgArrayLiteral.TokenKind.Value:
                    WriteScalar(writer, column, column.ElementEncoding, token.Text(_scratch, reader.Source));
                    break;
                default:
                    // A literal PostgreSQL would never print: close what was opened so the body stays valid JSON.
                    writer.WriteEndArray();
                    return;
            }
        }
    }

    private enum Outcome { Clamp, Null }

    /// <summary>Applies the policy to a value StarRocks cannot hold: throws for fail, else says whether to clamp.</summary>
    private Outcome Decide(EncodedColumn column, ReadOnlySpan<char> text, string why)
    {
        if (Policy == UnrepresentablePolicy.Fail)
        {
            var shown = text.Length > 64 ? text[..64].ToString() + "..." : text.ToString();
            throw CdcException.DataError(
                $"Column \"{column.Name}\" holds '{shown}', which StarRocks cannot store ({why}); set sink.unrepresentable = clamp or null " +
                "to load such values clamped or as NULL, or fix the row in the source.");
        }
        return Policy == UnrepresentablePolicy.Clamp ? Outcome.Clamp : Outcome.Null;
    }

    /// <summary>Optional '-', then digits.</summary>
    internal static bool IsJsonInteger(ReadOnlySpan<char> text)
    {
        var i = text.Length > 0 && text[0] == '-' ? 1 : 0;
        if (i == text.Length) return false;
        if (text[i] == '0' && text.Length > i + 1) return false;
        for (; i < text.Length; i++)
            if (text[i] is < '0' or > '9') return false;
        return true;
    }

    /// <summary>The JSON number grammar: <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</summary>
    internal static bool IsJsonNumber(ReadOnlySpan<char> text)
    {
        var i = 0;
        if (i < text.Length && text[i] == '-') i++;
        if (i >= text.Length) return false;
        if (text[i] == '0') i++;
        else if (text[i] is >= '1' and <= '9') { while (i < text.Length && text[i] is >= '0' and <= '9') i++; }
        else return false;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            var start = i;
            while (i < text.Length && text[i] is >= '0' and <= '9') i++;
            if (i == start) return false;
        }
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-') i++;
            var start = i;
            while (i < text.Length && text[i] is >= '0' and <= '9') i++;
            if (i == start) return false;
        }
        return i == text.Length;
    }

    /// <summary>Grows the scratch buffer used to unescape quoted array elements.</summary>
    internal static void Grow(ref char[] scratch, int atLeast)
    {
        if (scratch.Length >= atLeast) return;
        var bigger = new char[Math.Max(atLeast, Math.Max(64, scratch.Length * 2))];
        scratch.AsSpan().CopyTo(bigger);
        scratch = bigger;
    }
}
