using System.Buffers;
using System.Text;
using System.Text.Json;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Source.Postgres.Connections;
using Npgsql;
using NpgsqlTypes;

namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// Writes <see cref="Watermark"/>s into the WAL as transactional <c>pg_logical_emit_message</c> records with prefix
/// <see cref="Prefix"/>, and reads them back from <see cref="LogicalMessage"/> content (compact JSON).
/// </summary>
public static class Watermarks
{
    /// <summary>The logical message prefix of every watermark.</summary>
    public const string Prefix = "actorcdc.wm";

    private const int Version = 1;
    private const string Emit = $"SELECT pg_logical_emit_message(true, '{Prefix}', @content)";

    /// <summary>
    /// Writes <paramref name="watermark"/> in a transaction of its own, so the stream shows it between a
    /// <see cref="TransactionBegun"/> and a <see cref="TransactionCommitted"/> with nothing else; returns the message's
    /// LSN. The connection must not be inside a transaction (autocommit), or the watermark would join it.
    /// </summary>
    public static async Task<Lsn> EmitAsync(NpgsqlConnection connection, Watermark watermark, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var content = Encode(watermark);
        try
        {
            await using var cmd = new NpgsqlCommand(Emit, connection);
            cmd.Parameters.Add(new NpgsqlParameter<byte[]>("content", NpgsqlDbType.Bytea) { TypedValue = content });
            var lsn = (NpgsqlLogSequenceNumber)(await cmd.ExecuteScalarAsync(ct))!;
            return new Lsn((ulong)lsn);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw PostgresErrors.Classify(e, connection.ConnectionString, $"writing the {watermark}", FailureKind.Transient);
        }
    }

    /// <summary>Writes <paramref name="watermark"/> over a connection of <paramref name="dataSource"/>; see the other overload.</summary>
    public static async Task<Lsn> EmitAsync(NpgsqlDataSource dataSource, Watermark watermark, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        NpgsqlConnection connection;
        try
        {
            connection = await dataSource.OpenConnectionAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw PostgresErrors.Classify(e, dataSource.ConnectionString, $"writing the {watermark}", FailureKind.Transient);
        }
        await using (connection) return await EmitAsync(connection, watermark, ct);
    }

    /// <summary>
    /// The server's WAL insert position now (a fence): a watermark written after this call lies after it, one committed
    /// before it lies before it. A backfill coordinator reads it once when it starts, before it reads any chunk, so table
    /// entities can tell its watermarks from those of an earlier coordinator whose node died.
    /// </summary>
    public static async Task<Lsn> FenceAsync(string connectionString, CancellationToken ct = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()", connection);
            var lsn = (NpgsqlLogSequenceNumber)(await cmd.ExecuteScalarAsync(ct))!;
            return new Lsn((ulong)lsn);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw PostgresErrors.Classify(e, connectionString, "reading the WAL position that fences the backfill's watermarks", FailureKind.Transient);
        }
    }

    /// <summary>True when <paramref name="message"/> carries a watermark (its content may still be malformed).</summary>
    public static bool IsWatermark(LogicalMessage message) => message.Prefix == Prefix;

    /// <summary>The message content: <c>{"v":1,"pipeline":..,"schema":..,"table":..,"chunk":..,"attempt":..,"kind":"low"|"high"}</c>.</summary>
    public static byte[] Encode(Watermark watermark)
    {
        ArgumentNullException.ThrowIfNull(watermark);
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", Version);
            json.WriteString("pipeline", watermark.Pipeline);
            json.WriteString("schema", watermark.Table.Schema);
            json.WriteString("table", watermark.Table.Name);
            json.WriteNumber("chunk", watermark.ChunkId);
            json.WriteNumber("attempt", watermark.Attempt);
            json.WriteString("kind", watermark.Kind == WatermarkKind.Low ? "low" : "high");
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads the content of a watermark message. Strict: exactly the fields <see cref="Encode"/> writes, each once,
    /// of the right type; anything else throws a fatal <see cref="CdcException"/> that says where it came from.
    /// </summary>
    public static Watermark Parse(byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        try
        {
            return Read(content);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            var preview = Encoding.UTF8.GetString(content, 0, Math.Min(content.Length, 200));
            throw CdcException.Fatal(
                $"a logical message with prefix '{Prefix}' is not an ActorCdc watermark ({e.Message}): '{preview}'. Either another program writes messages " +
                $"with ActorCdc's prefix (stop it), or nodes of different ActorCdc versions share the pipeline (run one version).", e);
        }
    }

    private static Watermark Read(byte[] content)
    {
        var json = new Utf8JsonReader(content, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!json.Read() || json.TokenType != JsonTokenType.StartObject) throw new FormatException("it is not a JSON object");
        int? version = null, attempt = null;
        string? pipeline = null, schema = null, table = null, kind = null;
        long? chunk = null;
        while (json.Read() && json.TokenType != JsonTokenType.EndObject)
        {
            if (json.TokenType != JsonTokenType.PropertyName) throw new FormatException($"unexpected {json.TokenType}");
            var name = json.GetString()!;
            if (!json.Read()) throw new FormatException($"field '{name}' has no value");
            switch (name)
            {
                case "v": version = Once(version, name, Int32(ref json, name)); break;
                case "pipeline": pipeline = Once(pipeline, name, Text(ref json, name)); break;
                case "schema": schema = Once(schema, name, Text(ref json, name)); break;
                case "table": table = Once(table, name, Text(ref json, name)); break;
                case "chunk": chunk = Once(chunk, name, Int64(ref json, name)); break;
                case "attempt": attempt = Once(attempt, name, Int32(ref json, name)); break;
                case "kind": kind = Once(kind, name, Text(ref json, name)); break;
                default: throw new FormatException($"unknown field '{name}'");
            }
        }
        if (json.TokenType != JsonTokenType.EndObject) throw new FormatException("the object is not closed");
        if (json.Read()) throw new FormatException("there is content after the object");
        if (version != Version) throw new FormatException(version is null ? "field 'v' is missing" : $"version {version} is not {Version}");
        if (chunk is null or < 0) throw new FormatException(chunk is null ? "field 'chunk' is missing" : $"chunk {chunk} is negative");
        if (attempt is null or < 0) throw new FormatException(attempt is null ? "field 'attempt' is missing" : $"attempt {attempt} is negative");
        var watermarkKind = kind switch
        {
            "low" => WatermarkKind.Low,
            "high" => WatermarkKind.High,
            null => throw new FormatException("field 'kind' is missing"),
            _ => throw new FormatException($"kind '{kind}' is neither 'low' nor 'high'"),
        };
        return new Watermark(Required(pipeline, "pipeline"), new TableId(Required(schema, "schema"), Required(table, "table")), chunk.Value, attempt.Value, watermarkKind);
    }

    private static T Once<T>(T? seen, string name, T value)
    {
        if (seen is not null) throw new FormatException($"field '{name}' appears twice");
        return value;
    }

    private static string Required(string? value, string name) =>
        string.IsNullOrEmpty(value) ? throw new FormatException($"field '{name}' is missing or empty") : value;

    private static string Text(ref Utf8JsonReader json, string name) =>
        json.TokenType == JsonTokenType.String ? json.GetString()! : throw new FormatException($"field '{name}' is not a string");

    private static int Int32(ref Utf8JsonReader json, string name) =>
        json.TokenType == JsonTokenType.Number && json.TryGetInt32(out var v) ? v : throw new FormatException($"field '{name}' is not a 32-bit integer");

    private static long Int64(ref Utf8JsonReader json, string name) =>
        json.TokenType == JsonTokenType.Number && json.TryGetInt64(out var v) ? v : throw new FormatException($"field '{name}' is not a 64-bit integer");
}
