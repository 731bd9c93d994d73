using System.Text.Json;

namespace ActorCdc.Engine.DeadLetters;

/// <summary>The JSON forms of a dead letter's parts, shared by the file and PostgreSQL targets.</summary>
internal static class DeadLetterJson
{
    public static void WriteColumns(Utf8JsonWriter w, IReadOnlyDictionary<string, string?> columns)
    {
        w.WriteStartObject();
        foreach (var (name, value) in columns)
        {
            if (value is null) w.WriteNull(name);
            else w.WriteString(name, value);
        }
        w.WriteEndObject();
    }

    public static string Columns(IReadOnlyDictionary<string, string?> columns)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer)) WriteColumns(w, columns);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string Operation(Core.Changes.ChangeKind kind) => kind.ToString().ToLowerInvariant();
}
