using System.Text;
using System.Text.Json;

namespace ActorCdc.StarRocksDouble.Http;

/// <summary>Writes StarRocks' answers: JSON objects with keys in the order given, pretty-printed like rapidjson's.</summary>
internal static class Json
{
    public static string Object(params (string Key, object? Value)[] properties)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach (var (key, value) in properties)
            {
                switch (value)
                {
                    case null: break;
                    case string s: w.WriteString(key, s); break;
                    case long l: w.WriteNumber(key, l); break;
                    case int i: w.WriteNumber(key, i); break;
                    case double d: w.WriteNumber(key, d); break;
                    default: w.WriteString(key, value.ToString()); break;
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
