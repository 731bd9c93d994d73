using System.Text.Json;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;

namespace ActorCdc.Sink.Files.Checkpoints;

/// <summary>
/// What one table sink prepared for a checkpoint, stored inside the checkpoint as UTF-8 JSON so an operator can read it:
/// the staged files and their final keys (every file staged and not yet published, so a token also covers files of an
/// earlier checkpoint whose commit never ran), and <see cref="Through"/>, the last position written into them.
/// </summary>
internal sealed record CommitToken(string Source, SourcePosition PreparedAt, SourcePosition Through, IReadOnlyList<StagedFile> Files)
{
    private const int Version = 1;

    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", Version);
            json.WriteString("source", Source);
            WritePosition(json, "prepared_at", PreparedAt);
            WritePosition(json, "through", Through);
            json.WriteStartArray("files");
            foreach (var f in Files)
            {
                json.WriteStartObject();
                json.WriteString("staged", f.StagedKey);
                json.WriteString("final", f.FinalKey);
                json.WriteNumber("rows", f.Rows);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static CommitToken Parse(byte[] token)
    {
        try
        {
            using var doc = JsonDocument.Parse(token);
            var root = doc.RootElement;
            if (root.GetProperty("v").GetInt32() != Version) throw new FormatException($"version {root.GetProperty("v")} is not {Version}");
            var files = new List<StagedFile>();
            foreach (var f in root.GetProperty("files").EnumerateArray())
                files.Add(new StagedFile(f.GetProperty("staged").GetString()!, f.GetProperty("final").GetString()!, f.GetProperty("rows").GetInt64()));
            return new CommitToken(root.GetProperty("source").GetString()!, ReadPosition(root, "prepared_at"), ReadPosition(root, "through"), files);
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw CdcException.Fatal($"The Parquet sink's checkpoint token is unreadable ({e.Message}); restore the checkpoint storage or restart the pipeline from a savepoint.", e);
        }
    }

    private static void WritePosition(Utf8JsonWriter json, string name, SourcePosition p)
    {
        json.WriteStartObject(name);
        json.WriteString("text", p.ToString());
        json.WriteNumber("lsn", p.CommitLsn.Value);
        json.WriteNumber("index", p.Index);
        json.WriteEndObject();
    }

    private static SourcePosition ReadPosition(JsonElement root, string name)
    {
        var p = root.GetProperty(name);
        return new SourcePosition(new Lsn(p.GetProperty("lsn").GetUInt64()), p.GetProperty("index").GetInt64());
    }
}
