using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;

namespace ActorCdc.Persistence.RocksDb;

/// <summary>
/// Primitives of the stored record formats (events, snapshots): little-endian integers and strings prefixed by a
/// 7-bit varint byte length. Readers throw <see cref="SerializationException"/> on truncated input, never read past it.
/// </summary>
internal static class RecordFormat
{
    public static int StringSize(string value)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        return VarIntSize((uint)bytes) + bytes;
    }

    public static int WriteString(Span<byte> destination, string value)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        var n = WriteVarInt(destination, (uint)bytes);
        return n + Encoding.UTF8.GetBytes(value, destination[n..]);
    }

    public static string ReadString(ReadOnlySpan<byte> source, ref int offset)
    {
        var length = (int)ReadVarInt(source, ref offset);
        if (length < 0 || offset + length > source.Length) throw Truncated();
        var value = length == 0 ? string.Empty : Encoding.UTF8.GetString(source.Slice(offset, length));
        offset += length;
        return value;
    }

    public static int ReadInt32(ReadOnlySpan<byte> source, ref int offset)
    {
        if (offset + 4 > source.Length) throw Truncated();
        var value = BinaryPrimitives.ReadInt32LittleEndian(source[offset..]);
        offset += 4;
        return value;
    }

    public static long ReadInt64(ReadOnlySpan<byte> source, ref int offset)
    {
        if (offset + 8 > source.Length) throw Truncated();
        var value = BinaryPrimitives.ReadInt64LittleEndian(source[offset..]);
        offset += 8;
        return value;
    }

    public static byte ReadByte(ReadOnlySpan<byte> source, ref int offset)
    {
        if (offset >= source.Length) throw Truncated();
        return source[offset++];
    }

    private static int VarIntSize(uint value)
    {
        var n = 1;
        while (value >= 0x80) { value >>= 7; n++; }
        return n;
    }

    private static int WriteVarInt(Span<byte> destination, uint value)
    {
        var n = 0;
        while (value >= 0x80)
        {
            destination[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[n++] = (byte)value;
        return n;
    }

    private static uint ReadVarInt(ReadOnlySpan<byte> source, ref int offset)
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = ReadByte(source, ref offset);
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new SerializationException("A stored record has a malformed length prefix.");
    }

    private static SerializationException Truncated() => new("A stored record is truncated.");
}
