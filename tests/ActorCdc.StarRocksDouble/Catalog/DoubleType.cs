using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace ActorCdc.StarRocksDouble.Catalog;

/// <summary>
/// A StarRocks column type as the double understands it (BOOLEAN, TINYINT..LARGEINT, FLOAT, DOUBLE, DECIMAL(p,s), DATE,
/// DATETIME, CHAR(n), VARCHAR(n), STRING, JSON, ARRAY&lt;T&gt;), and how a JSON value becomes the stored text the way
/// StarRocks converts it: a value that does not convert becomes NULL (non-strict mode) or a filtered row (strict).
/// </summary>
public sealed class DoubleType
{
    private static readonly decimal[] DecimalLimits = Enumerable.Range(0, 28).Select(i => (decimal)Math.Pow(10, i)).ToArray();

    private static readonly JsonWriterOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private DoubleType(string kind, int length, int precision, int scale, DoubleType? element)
    {
        Kind = kind;
        Length = length;
        Precision = precision;
        Scale = scale;
        Element = element;
    }

    /// <summary>Upper-case base name: BOOLEAN, INT, DECIMAL, VARCHAR, ARRAY, ...</summary>
    public string Kind { get; }

    /// <summary>For CHAR/VARCHAR, the most bytes.</summary>
    public int Length { get; }
    public int Precision { get; }
    public int Scale { get; }
    public DoubleType? Element { get; }

    /// <summary>The spelling StarRocks prints in information_schema.COLUMNS.COLUMN_TYPE.</summary>
    public string ColumnType => Kind switch
    {
        "VARCHAR" => $"varchar({Length})",
        "CHAR" => $"char({Length})",
        "DECIMAL" => $"decimal({Precision},{Scale})",
        "ARRAY" => $"array<{Element!.ColumnType}>",
        "BOOLEAN" => "boolean",
        "TINYINT" => "tinyint(4)",
        "SMALLINT" => "smallint(6)",
        "INT" => "int(11)",
        "BIGINT" => "bigint(20)",
        "LARGEINT" => "largeint(40)",
        _ => Kind.ToLowerInvariant(),
    };

    /// <summary>The DATA_TYPE of information_schema.COLUMNS.</summary>
    public string DataType => Kind.ToLowerInvariant();

    /// <summary>Whether StarRocks allows the type in a primary key.</summary>
    public bool AllowedInKey => Kind is "BOOLEAN" or "TINYINT" or "SMALLINT" or "INT" or "BIGINT" or "LARGEINT" or "VARCHAR" or "DATE" or "DATETIME";

    public static DoubleType Parse(string text)
    {
        var t = text.Trim();
        var upper = t.ToUpperInvariant();
        if (upper.StartsWith("ARRAY<", StringComparison.Ordinal) && upper.EndsWith('>'))
            return new DoubleType("ARRAY", 0, 0, 0, Parse(t[6..^1]));
        var open = t.IndexOf('(');
        var name = (open < 0 ? t : t[..open]).Trim().ToUpperInvariant();
        var args = open < 0 ? [] : t[(open + 1)..t.LastIndexOf(')')].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
        return name switch
        {
            "BOOLEAN" or "BOOL" => new("BOOLEAN", 0, 0, 0, null),
            "TINYINT" or "SMALLINT" or "INT" or "INTEGER" or "BIGINT" or "LARGEINT" => new(name == "INTEGER" ? "INT" : name, 0, 0, 0, null),
            "FLOAT" or "DOUBLE" => new(name, 0, 0, 0, null),
            "DECIMAL" or "DECIMALV3" or "DECIMAL32" or "DECIMAL64" or "DECIMAL128" or "NUMERIC" => new("DECIMAL", 0, Arg(0, 10), Arg(1, 0), null),
            "DATE" => new("DATE", 0, 0, 0, null),
            "DATETIME" => new("DATETIME", 0, 0, 0, null),
            "CHAR" => new("CHAR", Arg(0, 1), 0, 0, null),
            "VARCHAR" => new("VARCHAR", Arg(0, 1), 0, 0, null),
            "STRING" => new("VARCHAR", 1048576, 0, 0, null),
            "JSON" => new("JSON", 0, 0, 0, null),
            "VARBINARY" or "BINARY" => new("VARBINARY", Arg(0, 1048576), 0, 0, null),
            _ => throw new FormatException($"Unknown type '{text}'"),
        };
    }

    /// <summary>The stored text of <paramref name="value"/>, or null; false when the value does not convert.</summary>
    public bool TryConvert(JsonElement value, out string? stored, out string? problem)
    {
        stored = null;
        problem = null;
        if (value.ValueKind == JsonValueKind.Null) return true;
        switch (Kind)
        {
            case "BOOLEAN":
                stored = value.ValueKind switch
                {
                    JsonValueKind.True => "1",
                    JsonValueKind.False => "0",
                    JsonValueKind.Number => value.GetRawText() == "0" ? "0" : "1",
                    JsonValueKind.String => value.GetString() switch { "true" or "1" => "1", "false" or "0" => "0", _ => null },
                    _ => null,
                };
                break;
            case "TINYINT" or "SMALLINT" or "INT" or "BIGINT" or "LARGEINT":
                stored = Integer(Scalar(value));
                break;
            case "FLOAT" or "DOUBLE":
                stored = double.TryParse(Scalar(value), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
                    ? (Kind == "FLOAT" ? ((float)d).ToString("R", CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture))
                    : null;
                break;
            case "DECIMAL":
                stored = Decimal(Scalar(value));
                break;
            case "DATE":
                stored = Date(Scalar(value));
                break;
            case "DATETIME":
                stored = DateTimeText(Scalar(value));
                break;
            case "CHAR" or "VARCHAR" or "VARBINARY":
                stored = value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
                if (stored is not null && Encoding.UTF8.GetByteCount(stored) > Length)
                {
                    problem = $"the length of input is too long than schema. input_str: [{Cut(stored)}] schema length: {Length}; actual length: {Encoding.UTF8.GetByteCount(stored)}";
                    stored = null;
                    return false;
                }
                return true;
            case "JSON":
                stored = Compact(value);
                return true;
            case "ARRAY":
                if (value.ValueKind != JsonValueKind.Array) break;
                stored = Array(value);
                break;
        }
        if (stored is null) problem = $"Value '{Cut(value.GetRawText())}' is not valid for type {ColumnType}";
        return stored is not null;
    }

    private string? Array(JsonElement value)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Relaxed))
        {
            w.WriteStartArray();
            foreach (var item in value.EnumerateArray())
            {
                if (!Element!.TryConvert(item, out var s, out _)) return null;
                if (s is null) w.WriteNullValue();
                else if (Element.Kind is "TINYINT" or "SMALLINT" or "INT" or "BIGINT" or "LARGEINT" or "FLOAT" or "DOUBLE" or "DECIMAL" or "BOOLEAN")
                    w.WriteRawValue(s);
                else if (Element.Kind is "JSON" or "ARRAY") w.WriteRawValue(s);
                else w.WriteStringValue(s);
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Compact(JsonElement value)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Relaxed)) value.WriteTo(w);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string? Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "1",
        JsonValueKind.False => "0",
        _ => null,
    };

    private string? Integer(string? text)
    {
        if (text is null) return null;
        if (Kind != "LARGEINT" && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var small))
        {
            var (lo, hi) = Kind switch
            {
                "TINYINT" => (sbyte.MinValue, sbyte.MaxValue),
                "SMALLINT" => (short.MinValue, short.MaxValue),
                "INT" => (int.MinValue, int.MaxValue),
                _ => (long.MinValue, long.MaxValue),
            };
            return small < lo || small > hi ? null : small.ToString(CultureInfo.InvariantCulture);
        }
        if (!BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) return null;
        var bits = Kind switch { "TINYINT" => 8, "SMALLINT" => 16, "INT" => 32, "BIGINT" => 64, _ => 128 };
        var max = BigInteger.Pow(2, bits - 1) - 1;
        return v > max || v < -max - 1 ? null : v.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Parses a decimal exactly, rounds half up to the scale, and refuses more integer digits than p - s.</summary>
    private string? Decimal(string? text)
    {
        if (text is null) return null;
        // Fast path for what fits System.Decimal exactly; the general path below handles up to 38 digits and exponents.
        if (text.Length <= 27 && Precision <= 27 && !text.Contains('e') && !text.Contains('E')
            && decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var fast))
        {
            var rounded = Math.Round(fast, Scale, MidpointRounding.AwayFromZero);
            var limit = DecimalLimits[Precision - Scale];
            if (Math.Abs(rounded) >= limit) return null;
            return rounded.ToString("F" + Scale.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        }
        var t = text.Trim();
        var negative = t.StartsWith('-');
        if (negative || t.StartsWith('+')) t = t[1..];
        var exponent = 0;
        var e = t.IndexOfAny(['e', 'E']);
        if (e >= 0)
        {
            if (!int.TryParse(t[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent)) return null;
            t = t[..e];
        }
        var dot = t.IndexOf('.');
        var digits = dot < 0 ? t : t[..dot] + t[(dot + 1)..];
        var fraction = (dot < 0 ? 0 : t.Length - dot - 1) - exponent;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)) return null;
        var unscaled = BigInteger.Parse(digits, CultureInfo.InvariantCulture);
        // Bring to the column's scale, rounding half away from zero.
        if (fraction > Scale)
        {
            var divisor = BigInteger.Pow(10, fraction - Scale);
            var q = BigInteger.DivRem(unscaled, divisor, out var r);
            if (r * 2 >= divisor) q += 1;
            unscaled = q;
        }
        else if (fraction < Scale)
        {
            unscaled *= BigInteger.Pow(10, Scale - fraction);
        }
        if (unscaled >= BigInteger.Pow(10, Precision)) return null;
        var s = unscaled.ToString(CultureInfo.InvariantCulture).PadLeft(Scale + 1, '0');
        var result = Scale == 0 ? s : s[..^Scale] + "." + s[^Scale..];
        return negative && unscaled != 0 ? "-" + result : result;
    }

    private static string? Date(string? text)
    {
        if (text is null || text.Length < 10) return null;
        return DateTime.TryParseExact(text[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) || text.StartsWith("0000-", StringComparison.Ordinal)
            ? text[..10]
            : null;
    }

    private static string? DateTimeText(string? text)
    {
        if (text is null) return null;
        var t = text.Replace('T', ' ');
        if (t.Length == 10) t += " 00:00:00";
        if (t.Length < 19) return null;
        var main = t[..19];
        if (!DateTime.TryParseExact(main, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _) && !main.StartsWith("0000-", StringComparison.Ordinal))
            return null;
        if (t.Length == 19) return main;
        if (t[19] != '.' || t.Length > 26 || !t[20..].All(char.IsAsciiDigit)) return null;
        var micros = t[20..].PadRight(6, '0');
        return micros == "000000" ? main : main + "." + micros;
    }

    private static string Cut(string s) => s.Length > 100 ? s[..100] + "..." : s;

    public override string ToString() => ColumnType;
}
