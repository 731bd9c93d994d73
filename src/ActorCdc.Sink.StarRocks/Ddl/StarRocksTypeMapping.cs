using System.Globalization;
using ActorCdc.Core.Schema;
using ActorCdc.Sink.StarRocks.Json;

namespace ActorCdc.Sink.StarRocks.Ddl;

/// <summary>
/// Chooses the StarRocks type of a PostgreSQL column (format_type spelling) so that nothing Flink CDC loses is lost:
/// <list type="table">
/// <item><term>boolean</term><description>BOOLEAN (JSON true/false)</description></item>
/// <item><term>smallint, integer, bigint</term><description>SMALLINT, INT, BIGINT (JSON numbers); oid, xid → BIGINT</description></item>
/// <item><term>real, double precision</term><description>FLOAT, DOUBLE (numbers; NaN/±Infinity per sink.unrepresentable)</description></item>
/// <item><term>numeric(p,s), p ≤ 38</term><description>DECIMAL(p,s) (number when ≤ 15 significant digits, else string)</description></item>
/// <item><term>numeric(p,s), p &gt; 38</term><description>STRING (PostgreSQL's text, lossless)</description></item>
/// <item><term>numeric</term><description>DECIMAL(38, sink.numeric.scale) or STRING (sink.numeric.unconstrained)</description></item>
/// <item><term>character varying(n)</term><description>VARCHAR(min(4n, 1048576)): StarRocks counts bytes, UTF-8 needs up to 4 per character</description></item>
/// <item><term>character(n)</term><description>CHAR(4n) when ≤ 255, else VARCHAR(min(4n, 1048576))</description></item>
/// <item><term>text, character varying, citext, bytea (\x hex), xml, ranges, geometric, domains, composites</term><description>STRING</description></item>
/// <item><term>uuid</term><description>VARCHAR(36)</description></item>
/// <item><term>name / "char" / enum</term><description>VARCHAR(64) / VARCHAR(8) / VARCHAR(256)</description></item>
/// <item><term>date</term><description>DATE (yyyy-MM-dd)</description></item>
/// <item><term>timestamp</term><description>DATETIME (yyyy-MM-dd HH:mm:ss.ffffff)</description></item>
/// <item><term>timestamp with time zone</term><description>DATETIME holding UTC (yyyy-MM-dd HH:mm:ss.ffffff)</description></item>
/// <item><term>time / time with time zone / interval</term><description>VARCHAR(16) / VARCHAR(24) / VARCHAR(128) (PostgreSQL's text)</description></item>
/// <item><term>money, inet, cidr, macaddr(8), bit(n), bit varying(n)</term><description>VARCHAR of their longest text</description></item>
/// <item><term>json, jsonb</term><description>JSON (embedded as JSON, not as a string)</description></item>
/// <item><term>T[]</term><description>ARRAY&lt;mapping of T&gt; (JSON array); json[]/jsonb[] → JSON holding the array</description></item>
/// </list>
/// Key columns come first, NOT NULL; a key whose type StarRocks does not allow in a primary key (DECIMAL, FLOAT, DOUBLE,
/// JSON, ARRAY, CHAR) becomes VARCHAR holding PostgreSQL's text, and string keys are capped at VARCHAR(128), the
/// primary key size limit.
/// </summary>
internal static class StarRocksTypeMapping
{
    public const int MaxVarchar = 1048576;
    public const int MaxKeyBytes = 128;

    /// <summary>The mapping of <paramref name="column"/>.</summary>
    public static ColumnMapping Map(ColumnSchema column, StarRocksSinkSettings settings)
    {
        var (name, modifiers, isArray) = Parse(column.TypeName);
        ColumnMapping mapping;
        if (isArray)
        {
            var element = MapBase(name, modifiers, column.ElementTypeKind, settings);
            mapping = element.Encoding switch
            {
                ColumnEncoding.Json => new ColumnMapping("JSON", ColumnEncoding.Array, ColumnEncoding.Json),
                ColumnEncoding.Array => new ColumnMapping("STRING", ColumnEncoding.String),
                _ => new ColumnMapping($"ARRAY<{element.SqlType}>", ColumnEncoding.Array, element.Encoding, element.MaxIntegerDigits),
            };
        }
        else
        {
            mapping = MapBase(name, modifiers, column.TypeKind, settings);
        }
        return column.IsKey ? AsKey(mapping) : mapping;
    }

    /// <summary>The comment that marks a column as created by the sink and remembers its source type.</summary>
    public static string Comment(ColumnSchema column) => "actorcdc: " + column.TypeName;

    /// <summary>The source type remembered in a column comment, or null when the sink did not create the column.</summary>
    public static string? SourceTypeFromComment(string? comment) =>
        comment is not null && comment.StartsWith("actorcdc: ", StringComparison.Ordinal) ? comment["actorcdc: ".Length..] : null;

    private static ColumnMapping AsKey(ColumnMapping mapping)
    {
        var type = mapping.SqlType;
        if (type is "BOOLEAN" or "TINYINT" or "SMALLINT" or "INT" or "BIGINT" or "LARGEINT" or "DATE" or "DATETIME") return mapping;
        if (type.StartsWith("VARCHAR(", StringComparison.Ordinal) && mapping.Encoding == ColumnEncoding.String)
        {
            var n = int.Parse(type.AsSpan(8, type.Length - 9), CultureInfo.InvariantCulture);
            return mapping with { SqlType = $"VARCHAR({Math.Min(n, MaxKeyBytes)})" };
        }
        if (type.StartsWith("CHAR(", StringComparison.Ordinal))
        {
            var n = int.Parse(type.AsSpan(5, type.Length - 6), CultureInfo.InvariantCulture);
            return new ColumnMapping($"VARCHAR({Math.Min(n, MaxKeyBytes)})", ColumnEncoding.String);
        }
        return new ColumnMapping($"VARCHAR({MaxKeyBytes})", ColumnEncoding.String);
    }

    private static ColumnMapping MapBase(string name, int[] modifiers, char kind, StarRocksSinkSettings settings)
    {
        switch (name)
        {
            case "boolean": return new("BOOLEAN", ColumnEncoding.Boolean);
            case "smallint": return new("SMALLINT", ColumnEncoding.Integer);
            case "integer": return new("INT", ColumnEncoding.Integer);
            case "bigint": return new("BIGINT", ColumnEncoding.Integer);
            case "oid" or "xid" or "cid": return new("BIGINT", ColumnEncoding.Integer);
            case "regclass" or "regproc" or "regtype": return new("VARCHAR(256)", ColumnEncoding.String);
            case "real": return new("FLOAT", ColumnEncoding.Float);
            case "double precision": return new("DOUBLE", ColumnEncoding.Float);
            case "numeric" or "decimal":
                if (modifiers.Length == 0)
                {
                    return settings.UnconstrainedNumeric == UnconstrainedNumericMapping.String
                        ? new("STRING", ColumnEncoding.String)
                        : new($"DECIMAL(38, {settings.NumericScale})", ColumnEncoding.Decimal, MaxIntegerDigits: 38 - settings.NumericScale);
                }
                var p = modifiers[0];
                var s = modifiers.Length > 1 ? modifiers[1] : 0;
                // Negative scales and scales above the precision (PostgreSQL 15+) do not fit DECIMAL(p,s); keep the text.
                if (p > 38 || s < 0 || s > p) return new("STRING", ColumnEncoding.String);
                return new($"DECIMAL({p}, {s})", ColumnEncoding.Decimal, MaxIntegerDigits: p - s);
            case "money": return new("VARCHAR(64)", ColumnEncoding.String);
            case "character varying":
                return modifiers.Length == 0 ? new("STRING", ColumnEncoding.String) : new($"VARCHAR({Bytes(modifiers[0])})", ColumnEncoding.String);
            case "character" or "bpchar":
                {
                    var n = modifiers.Length == 0 ? 1 : modifiers[0];
                    var bytes = Bytes(n);
                    return bytes <= 255 ? new($"CHAR({bytes})", ColumnEncoding.String) : new($"VARCHAR({bytes})", ColumnEncoding.String);
                }
            case "\"char\"": return new("VARCHAR(8)", ColumnEncoding.String);
            case "name": return new("VARCHAR(64)", ColumnEncoding.String);
            case "text" or "citext": return new("STRING", ColumnEncoding.String);
            case "uuid": return new("VARCHAR(36)", ColumnEncoding.String);
            case "date": return new("DATE", ColumnEncoding.Date);
            case "timestamp without time zone": return new("DATETIME", ColumnEncoding.Timestamp);
            case "timestamp with time zone": return new("DATETIME", ColumnEncoding.TimestampTz);
            case "time without time zone": return new("VARCHAR(16)", ColumnEncoding.String);
            case "time with time zone": return new("VARCHAR(24)", ColumnEncoding.String);
            case "json" or "jsonb": return new("JSON", ColumnEncoding.Json);
            case "inet" or "cidr": return new("VARCHAR(64)", ColumnEncoding.String);
            case "macaddr": return new("VARCHAR(17)", ColumnEncoding.String);
            case "macaddr8": return new("VARCHAR(23)", ColumnEncoding.String);
            case "bit": return new($"VARCHAR({Math.Max(1, modifiers.Length == 0 ? 1 : modifiers[0])})", ColumnEncoding.String);
            case "bit varying":
                return modifiers.Length == 0 ? new("STRING", ColumnEncoding.String) : new($"VARCHAR({Math.Min(modifiers[0], MaxVarchar)})", ColumnEncoding.String);
            case "pg_lsn": return new("VARCHAR(32)", ColumnEncoding.String);
        }
        if (name.StartsWith("interval", StringComparison.Ordinal)) return new("VARCHAR(128)", ColumnEncoding.String);
        return kind == 'e' ? new("VARCHAR(256)", ColumnEncoding.String) : new("STRING", ColumnEncoding.String);
    }

    private static int Bytes(int characters) => (int)Math.Min(4L * Math.Max(characters, 1), MaxVarchar);

    /// <summary>
    /// Splits a format_type name into its base name without modifiers (<c>timestamp(3) with time zone</c> → <c>timestamp with
    /// time zone</c>, [3]) and whether it is an array.
    /// </summary>
    internal static (string Name, int[] Modifiers, bool IsArray) Parse(string typeName)
    {
        var text = typeName.Trim();
        var isArray = false;
        while (text.EndsWith("[]", StringComparison.Ordinal))
        {
            isArray = true;
            text = text[..^2].TrimEnd();
        }
        var open = text.IndexOf('(');
        var close = open < 0 ? -1 : text.IndexOf(')', open);
        if (open < 0 || close < 0) return (text.ToLowerInvariant(), [], isArray);
        var parts = text[(open + 1)..close].Split(',', StringSplitOptions.TrimEntries);
        var modifiers = new List<int>();
        foreach (var part in parts)
            if (int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var m)) modifiers.Add(m);
        var name = (text[..open].TrimEnd() + " " + text[(close + 1)..].TrimStart()).Trim().ToLowerInvariant();
        return (name, modifiers.ToArray(), isArray);
    }
}
