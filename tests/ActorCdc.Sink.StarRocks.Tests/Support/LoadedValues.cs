using System.Text.Json;

namespace ActorCdc.Sink.StarRocks.Tests.Support;

/// <summary>What a PostgreSQL text value looks like once StarRocks (the double) holds it, per the sink's documented mapping.</summary>
public static class LoadedValues
{
    public static string? As(string starRocksType, string? text)
    {
        if (text is null) return null;
        switch (starRocksType)
        {
            case "BOOLEAN":
                return text == "t" ? "1" : "0";
            case "DATETIME":
                {
                    // PostgreSQL's +00 rendering becomes UTC without a zone; microseconds only when present.
                    var t = text.EndsWith("+00", StringComparison.Ordinal) ? text[..^3] : text;
                    var dot = t.IndexOf('.');
                    return dot < 0 ? t : t[..dot] + "." + t[(dot + 1)..].PadRight(6, '0');
                }
            case "JSON":
                return JsonSerializer.Serialize(JsonDocument.Parse(text).RootElement,
                    new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            default:
                return text;
        }
    }
}
