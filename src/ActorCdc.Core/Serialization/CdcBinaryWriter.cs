using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace ActorCdc.Core.Serialization;

/// <summary>
/// Appends the ActorCdc binary encoding (LEB128 varints, zigzag for signed, length-prefixed UTF-8) to a buffer rented
/// from <see cref="ArrayPool{T}.Shared"/>. Create it with a constructor (not <c>default</c>), pass it by <c>ref</c>, and
/// dispose it in a <c>finally</c> block to return the buffer.
/// </summary>
/// <remarks>
/// A ref struct, as MessagePack's writer is, so that serializing a message allocates nothing but the final array.
/// A <c>using</c> variable cannot be passed by <c>ref</c>, hence try/finally rather than <c>using</c>.
/// </remarks>
public ref struct CdcBinaryWriter
{
    private const int DefaultCapacity = 256;

    // Strict: a lone surrogate cannot come from PostgreSQL, so one here is a bug and must fail, not turn into U+FFFD.
    internal static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Up to this many chars, the encoded length (at most (n + 1) * 3 bytes, plus the nullable marker bias)
    // is below 128, so the one-byte length prefix can be written after encoding, without counting first.
    private const int OneBytePrefixMaxChars = 41;

    private byte[] _buffer;
    private int _position;

    /// <summary>Starts a writer with a buffer of the default size.</summary>
    public CdcBinaryWriter() : this(DefaultCapacity)
    {
    }

    /// <summary>Starts a writer whose buffer holds at least <paramref name="initialCapacity"/> bytes before it grows.</summary>
    public CdcBinaryWriter(int initialCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCapacity);
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 16));
        _position = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Length => _position;

    /// <summary>The bytes written so far; valid until the next write or <see cref="Dispose"/>.</summary>
    public readonly ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _position);

    /// <summary>A copy of the bytes written so far, exactly sized.</summary>
    public readonly byte[] ToArray() => _buffer.AsSpan(0, _position).ToArray();

    public void WriteByte(byte value)
    {
        if (_position >= _buffer.Length) Grow(1);
        _buffer[_position++] = value;
    }

    public void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    /// <summary>Unsigned LEB128: 1 byte below 128, at most 5.</summary>
    public void WriteVarUInt32(uint value)
    {
        if (_buffer.Length - _position < 5) Grow(5);
        var buffer = _buffer;
        var pos = _position;
        while (value >= 0x80)
        {
            buffer[pos++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[pos++] = (byte)value;
        _position = pos;
    }

    /// <summary>Unsigned LEB128: 1 byte below 128, at most 10.</summary>
    public void WriteVarUInt64(ulong value)
    {
        if (_buffer.Length - _position < 10) Grow(10);
        var buffer = _buffer;
        var pos = _position;
        while (value >= 0x80)
        {
            buffer[pos++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[pos++] = (byte)value;
        _position = pos;
    }

    /// <summary>Zigzag then LEB128, so small negative numbers stay short (-1 is one byte).</summary>
    public void WriteVarInt32(int value) => WriteVarUInt32((uint)((value << 1) ^ (value >> 31)));

    /// <summary>Zigzag then LEB128, so small negative numbers stay short (-1 is one byte).</summary>
    public void WriteVarInt64(long value) => WriteVarUInt64((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Eight bytes, little-endian: cheaper than a varint for values that use most of their bits (LSNs).</summary>
    public void WriteFixedUInt64(ulong value)
    {
        if (_buffer.Length - _position < 8) Grow(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_position, 8), value);
        _position += 8;
    }

    /// <summary>A non-null string: its UTF-8 byte length as a varint, then the bytes.</summary>
    public void WriteString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        WriteUtf8(value, 0);
    }

    /// <summary>A string or null: 0 for null, otherwise the UTF-8 byte length plus one as a varint, then the bytes.</summary>
    public void WriteNullableString(string? value)
    {
        if (value is null)
        {
            WriteByte(0);
            return;
        }
        WriteUtf8(value, 1);
    }

    /// <summary>A byte sequence: its length as a varint, then the bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteVarUInt32((uint)value.Length);
        if (_buffer.Length - _position < value.Length) Grow(value.Length);
        value.CopyTo(_buffer.AsSpan(_position));
        _position += value.Length;
    }

    /// <summary>Returns the buffer to the pool. The writer must not be used afterwards.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _position = 0;
        if (buffer is { Length: > 0 }) ArrayPool<byte>.Shared.Return(buffer);
    }

    private void WriteUtf8(string value, uint bias)
    {
        var chars = value.Length;
        if (chars <= OneBytePrefixMaxChars)
        {
            // Short strings (names, numbers, timestamps): encode straight after a one-byte prefix, one pass.
            var max = 1 + (chars + 1) * 3;
            if (_buffer.Length - _position < max) Grow(max);
            var written = Utf8.GetBytes(value, _buffer.AsSpan(_position + 1));
            _buffer[_position] = (byte)(written + bias);
            _position += 1 + written;
            return;
        }

        // Longer strings: counting is a vectorised scan, cheaper than encoding into a guessed slot and moving it.
        var byteCount = Utf8.GetByteCount(value);
        WriteVarUInt32((uint)byteCount + bias);
        if (_buffer.Length - _position < byteCount) Grow(byteCount);
        _position += Utf8.GetBytes(value, _buffer.AsSpan(_position, byteCount));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int sizeHint)
    {
        var old = _buffer;
        var needed = (long)_position + sizeHint;
        if (needed > Array.MaxLength)
            throw new InvalidOperationException($"An ActorCdc payload cannot exceed {Array.MaxLength} bytes; split the batch into smaller ones.");
        var size = Math.Min(Math.Max(needed, Math.Max((long)old.Length * 2, DefaultCapacity)), Array.MaxLength);
        var next = ArrayPool<byte>.Shared.Rent((int)size);
        old.AsSpan(0, _position).CopyTo(next);
        _buffer = next;
        if (old.Length > 0) ArrayPool<byte>.Shared.Return(old);
    }
}
