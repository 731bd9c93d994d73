using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Serialization;
using System.Text;

namespace ActorCdc.Core.Serialization;

/// <summary>
/// Reads what <see cref="CdcBinaryWriter"/> wrote, from a span. Pass it by <c>ref</c>. Malformed or truncated input
/// throws <see cref="SerializationException"/>, never an index or decoder exception.
/// </summary>
public ref struct CdcBinaryReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Reads from the start of <paramref name="data"/>.</summary>
    public CdcBinaryReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes not consumed yet.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>True when every byte has been consumed.</summary>
    public readonly bool IsAtEnd => _position >= _data.Length;

    public byte ReadByte()
    {
        if (_position >= _data.Length) ThrowTruncated(1);
        return _data[_position++];
    }

    public bool ReadBoolean()
    {
        var b = ReadByte();
        if (b > 1) ThrowMalformed($"a boolean must be 0 or 1, found {b}");
        return b == 1;
    }

    public uint ReadVarUInt32()
    {
        uint result = 0;
        var shift = 0;
        while (true)
        {
            if (_position >= _data.Length) ThrowTruncated(1);
            uint b = _data[_position++];
            // The fifth byte carries the top 4 bits only; anything more would overflow.
            if (shift == 28 && b > 0x0F) ThrowMalformed("a 32-bit varint is longer than 5 bytes or overflows");
            result |= (b & 0x7F) << shift;
            if (b < 0x80) return result;
            shift += 7;
        }
    }

    public ulong ReadVarUInt64()
    {
        ulong result = 0;
        var shift = 0;
        while (true)
        {
            if (_position >= _data.Length) ThrowTruncated(1);
            ulong b = _data[_position++];
            if (shift == 63 && b > 0x01) ThrowMalformed("a 64-bit varint is longer than 10 bytes or overflows");
            result |= (b & 0x7F) << shift;
            if (b < 0x80) return result;
            shift += 7;
        }
    }

    public int ReadVarInt32()
    {
        var u = ReadVarUInt32();
        return (int)(u >> 1) ^ -(int)(u & 1);
    }

    public long ReadVarInt64()
    {
        var u = ReadVarUInt64();
        return (long)(u >> 1) ^ -(long)(u & 1);
    }

    public ulong ReadFixedUInt64()
    {
        if (_data.Length - _position < 8) ThrowTruncated(8);
        var value = BinaryPrimitives.ReadUInt64LittleEndian(_data.Slice(_position, 8));
        _position += 8;
        return value;
    }

    /// <summary>
    /// A count of items that follow, each at least <paramref name="minBytesPerItem"/> bytes long: checked against what
    /// is left so that a corrupt count fails here instead of allocating a huge array.
    /// </summary>
    public int ReadCount(int minBytesPerItem = 1)
    {
        var count = ReadVarUInt32();
        if ((ulong)count * (ulong)Math.Max(minBytesPerItem, 1) > (ulong)Remaining)
            ThrowMalformed($"a length or count of {count} exceeds the {Remaining} byte(s) left");
        return (int)count;
    }

    public string ReadString()
    {
        var length = ReadCount();
        return DecodeUtf8(length);
    }

    public string? ReadNullableString()
    {
        var marker = ReadVarUInt32();
        if (marker == 0) return null;
        var length = marker - 1;
        if (length > (uint)Remaining) ThrowTruncated((long)length);
        return DecodeUtf8((int)length);
    }

    /// <summary>A length-prefixed byte sequence, as a slice of the input (no copy).</summary>
    public ReadOnlySpan<byte> ReadBytesSpan()
    {
        var length = ReadCount();
        var span = _data.Slice(_position, length);
        _position += length;
        return span;
    }

    /// <summary>A length-prefixed byte sequence, copied.</summary>
    public byte[] ReadBytes() => ReadBytesSpan().ToArray();

    private string DecodeUtf8(int length)
    {
        if (length == 0) return string.Empty;
        var bytes = _data.Slice(_position, length);
        string value;
        try
        {
            value = CdcBinaryWriter.Utf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new SerializationException($"ActorCdc payload is malformed at offset {_position}: a string is not valid UTF-8.", e);
        }
        _position += length;
        return value;
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowTruncated(long needed) =>
        throw new SerializationException(
            $"ActorCdc payload is truncated: {needed} more byte(s) needed at offset {_position} of {_data.Length}.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowMalformed(string what) =>
        throw new SerializationException($"ActorCdc payload is malformed at offset {_position}: {what}.");
}
