using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ActorCdc.Cmd.Protocol;

/// <summary>
/// Reads frames written by <see cref="FrameWriter{T}"/>. Not thread-safe: one reader loop per connection. The
/// payload buffer grows to the largest frame seen and is reused.
/// </summary>
public sealed class FrameReader<T>(Stream stream, JsonTypeInfo<T> type) where T : class
{
    private readonly byte[] _header = new byte[FrameFormat.HeaderBytes];
    private byte[] _payload = new byte[4096];

    /// <summary>The next frame, or null when the peer closed the connection between frames.</summary>
    /// <exception cref="ProtocolException">garbage, an oversized frame, or a connection closed inside a frame.</exception>
    public async ValueTask<T?> ReadAsync(CancellationToken cancellation)
    {
        var read = await stream.ReadAtLeastAsync(_header, FrameFormat.HeaderBytes, throwOnEndOfStream: false, cancellation).ConfigureAwait(false);
        if (read == 0) return null;
        if (read < FrameFormat.HeaderBytes) throw new ProtocolException("the connection closed inside a frame header");
        var length = BinaryPrimitives.ReadUInt32BigEndian(_header);
        if (length == 0 || length > FrameFormat.MaxFrameBytes)
            throw new ProtocolException($"a frame length of {length} bytes is outside 1..{FrameFormat.MaxFrameBytes}: not a client of this protocol");
        if (_payload.Length < length) _payload = new byte[Math.Max(length, (uint)_payload.Length * 2)];
        read = await stream.ReadAtLeastAsync(_payload.AsMemory(0, (int)length), (int)length, throwOnEndOfStream: false, cancellation).ConfigureAwait(false);
        if (read < length) throw new ProtocolException($"the connection closed inside a frame ({read} of {length} bytes)");
        return Decode(_payload.AsSpan(0, (int)length), type);
    }

    /// <summary>Deserializes one payload; anything that is not a well-formed frame is a <see cref="ProtocolException"/>.</summary>
    public static T Decode(ReadOnlySpan<byte> payload, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, type) ?? throw new ProtocolException("a frame was JSON null");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            throw new ProtocolException($"a frame is not valid: {e.Message}", e);
        }
    }
}
