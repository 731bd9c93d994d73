using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ActorCdc.Cmd.Protocol;

/// <summary>
/// Writes frames to a stream: a 4-byte big-endian length, then that many bytes of UTF-8 JSON. Safe to call from
/// several commands at once (frames never interleave); one buffer is reused for every frame.
/// </summary>
public sealed class FrameWriter<T>(Stream stream, JsonTypeInfo<T> type) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private Utf8JsonWriter? _json;

    /// <summary>Writes one frame. <paramref name="cancellation"/> stops the wait for the writer only: a frame once
    /// started is written whole (a half-written frame would corrupt the connection); closing the stream ends a write
    /// to a peer that stopped reading.</summary>
    public async ValueTask WriteAsync(T frame, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            _buffer.ResetWrittenCount();
            _buffer.Advance(4); // the length, written once the payload is known
            if (_json is null) _json = new Utf8JsonWriter(_buffer);
            else _json.Reset(_buffer);
            JsonSerializer.Serialize(_json, frame, type);
            _json.Flush();
            var length = _buffer.WrittenCount - 4;
            if (length > FrameFormat.MaxFrameBytes)
                throw new ProtocolException($"a frame of {length} bytes exceeds the limit of {FrameFormat.MaxFrameBytes} bytes");
            BinaryPrimitives.WriteInt32BigEndian(MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span, length);
            await stream.WriteAsync(_buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
            await stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _json?.Dispose();
        _gate.Dispose();
    }
}
