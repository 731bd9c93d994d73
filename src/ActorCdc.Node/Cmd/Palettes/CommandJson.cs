using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorCdc.Node.Cmd.Palettes;

/// <summary>The JSON form of command output: one compact document per line (snake_case names), so streams are NDJSON.</summary>
public static class CommandJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // Output goes to terminals and scripts, never into HTML: keep quotes and apostrophes readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary><paramref name="value"/> as one line of JSON ending with a newline.</summary>
    public static string Line(object value) => JsonSerializer.Serialize(value, Options) + "\n";
}
