using System.Runtime.Serialization;
using System.Text;
using ActorCdc.Core.Serialization;
using Xunit;

namespace ActorCdc.Core.Tests.Serialization;

public class CdcBinaryEncodingTests
{
    private delegate void Write(ref CdcBinaryWriter writer);

    private static byte[] Encode(Write write, int capacity = 16)
    {
        var writer = new CdcBinaryWriter(capacity);
        try
        {
            write(ref writer);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    [Theory]
    [InlineData(0u, 1)]
    [InlineData(127u, 1)]
    [InlineData(128u, 2)]
    [InlineData(16_383u, 2)]
    [InlineData(16_384u, 3)]
    [InlineData(uint.MaxValue, 5)]
    public void Unsigned_32_bit_varints_round_trip_in_leb128_length(uint value, int length)
    {
        var bytes = Encode((ref CdcBinaryWriter w) => w.WriteVarUInt32(value));
        Assert.Equal(length, bytes.Length);
        var reader = new CdcBinaryReader(bytes);
        Assert.Equal(value, reader.ReadVarUInt32());
        Assert.True(reader.IsAtEnd);
    }

    [Theory]
    [InlineData(0UL, 1)]
    [InlineData(127UL, 1)]
    [InlineData(128UL, 2)]
    [InlineData(0x16B374D848UL, 6)]
    [InlineData(ulong.MaxValue, 10)]
    public void Unsigned_64_bit_varints_round_trip_in_leb128_length(ulong value, int length)
    {
        var bytes = Encode((ref CdcBinaryWriter w) => w.WriteVarUInt64(value));
        Assert.Equal(length, bytes.Length);
        var reader = new CdcBinaryReader(bytes);
        Assert.Equal(value, reader.ReadVarUInt64());
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-1, 1)]
    [InlineData(63, 1)]
    [InlineData(-64, 1)]
    [InlineData(64, 2)]
    [InlineData(int.MaxValue, 5)]
    [InlineData(int.MinValue, 5)]
    public void Signed_32_bit_varints_use_zigzag_so_small_negatives_stay_short(int value, int length)
    {
        var bytes = Encode((ref CdcBinaryWriter w) => w.WriteVarInt32(value));
        Assert.Equal(length, bytes.Length);
        var reader = new CdcBinaryReader(bytes);
        Assert.Equal(value, reader.ReadVarInt32());
    }

    [Theory]
    [InlineData(0L, 1)]
    [InlineData(-1L, 1)]
    [InlineData(long.MaxValue, 10)]
    [InlineData(long.MinValue, 10)]
    public void Signed_64_bit_varints_use_zigzag(long value, int length)
    {
        var bytes = Encode((ref CdcBinaryWriter w) => w.WriteVarInt64(value));
        Assert.Equal(length, bytes.Length);
        var reader = new CdcBinaryReader(bytes);
        Assert.Equal(value, reader.ReadVarInt64());
    }

    [Fact]
    public void Fixed_ulong_bool_byte_and_bytes_round_trip()
    {
        var blob = new byte[] { 0, 1, 2, 255 };
        var bytes = Encode((ref CdcBinaryWriter w) =>
        {
            w.WriteFixedUInt64(0x0102030405060708UL);
            w.WriteBoolean(true);
            w.WriteBoolean(false);
            w.WriteByte(0xAB);
            w.WriteBytes(blob);
            w.WriteBytes([]);
        });
        Assert.Equal(new byte[] { 8, 7, 6, 5, 4, 3, 2, 1 }, bytes[..8]); // little-endian
        var reader = new CdcBinaryReader(bytes);
        Assert.Equal(0x0102030405060708UL, reader.ReadFixedUInt64());
        Assert.True(reader.ReadBoolean());
        Assert.False(reader.ReadBoolean());
        Assert.Equal(0xAB, reader.ReadByte());
        Assert.Equal(blob, reader.ReadBytes());
        Assert.True(reader.ReadBytesSpan().IsEmpty);
        Assert.True(reader.IsAtEnd);
    }

    public static TheoryData<string> Strings() => new()
    {
        "",
        "a",
        "plain ascii",
        "Grüße",
        "日本語のテキスト",
        "🎉𝄞 surrogate pairs 👩‍👩‍👧",
        "embedded\0nul",
        new string('x', 41),
        new string('€', 41), // 123 bytes: the largest one-pass short string still below a 128-byte prefix
        new string('€', 42),
        new string('€', 43),
        new string('x', 127),
        new string('x', 128),
        string.Concat(Enumerable.Repeat("🎉", 30)), // 60 chars, 120 bytes
        string.Concat(Enumerable.Repeat("🎉", 32)), // 64 chars, 128 bytes
    };

    [Theory]
    [MemberData(nameof(Strings))]
    public void Strings_round_trip_as_utf8_with_their_byte_length(string value)
    {
        var bytes = Encode((ref CdcBinaryWriter w) =>
        {
            w.WriteString(value);
            w.WriteNullableString(value);
        });
        var utf8 = Encoding.UTF8.GetByteCount(value);
        var prefix = utf8 < 128 ? 1 : 2;
        var nullablePrefix = utf8 + 1 < 128 ? 1 : 2;
        Assert.Equal(prefix + utf8 + nullablePrefix + utf8, bytes.Length);
        var reader = new CdcBinaryReader(bytes);
        Assert.Equal(value, reader.ReadString());
        Assert.Equal(value, reader.ReadNullableString());
        Assert.True(reader.IsAtEnd);
    }

    [Fact]
    public void Null_and_empty_strings_are_distinct()
    {
        var bytes = Encode((ref CdcBinaryWriter w) =>
        {
            w.WriteNullableString(null);
            w.WriteNullableString("");
        });
        Assert.Equal(new byte[] { 0, 1 }, bytes);
        var reader = new CdcBinaryReader(bytes);
        Assert.Null(reader.ReadNullableString());
        Assert.Equal("", reader.ReadNullableString());
    }

    [Fact]
    public void A_string_of_several_megabytes_grows_the_buffer_and_round_trips()
    {
        var value = string.Concat(Enumerable.Repeat("ab日🎉", 300_000)); // 1.5 M chars, 3 MB of UTF-8
        var bytes = Encode((ref CdcBinaryWriter w) =>
        {
            w.WriteByte(7);
            w.WriteString(value);
            w.WriteByte(8);
        });
        var reader = new CdcBinaryReader(bytes);
        Assert.Equal(7, reader.ReadByte());
        Assert.Equal(value, reader.ReadString());
        Assert.Equal(8, reader.ReadByte());
    }

    [Fact]
    public void Many_small_writes_from_a_tiny_buffer_keep_every_byte()
    {
        var bytes = Encode((ref CdcBinaryWriter w) =>
        {
            for (var i = 0; i < 10_000; i++) w.WriteVarInt32(i - 5_000);
        }, capacity: 0);
        var reader = new CdcBinaryReader(bytes);
        for (var i = 0; i < 10_000; i++) Assert.Equal(i - 5_000, reader.ReadVarInt32());
        Assert.True(reader.IsAtEnd);
    }

    [Fact]
    public void A_lone_surrogate_is_refused_rather_than_replaced()
    {
        var writer = new CdcBinaryWriter();
        try
        {
            var threw = false;
            try
            {
                writer.WriteString("bad \uD800 surrogate");
            }
            catch (EncoderFallbackException)
            {
                threw = true;
            }
            Assert.True(threw);
        }
        finally
        {
            writer.Dispose();
        }
    }

    private delegate void Read(ref CdcBinaryReader reader);

    private static SerializationException ReadFails(byte[] bytes, Read read) => Assert.Throws<SerializationException>(() =>
    {
        var reader = new CdcBinaryReader(bytes);
        read(ref reader);
    });

    [Fact]
    public void Truncated_input_throws_a_serialization_exception()
    {
        ReadFails([], (ref CdcBinaryReader r) => r.ReadByte());
        ReadFails([0x80], (ref CdcBinaryReader r) => r.ReadVarUInt32());
        ReadFails([1, 2, 3], (ref CdcBinaryReader r) => r.ReadFixedUInt64());
        ReadFails([5, (byte)'a'], (ref CdcBinaryReader r) => r.ReadString());
        ReadFails([6, (byte)'a'], (ref CdcBinaryReader r) => r.ReadNullableString());
        var e = ReadFails([3, 1], (ref CdcBinaryReader r) => r.ReadBytes());
        Assert.Contains("length or count of 3 exceeds", e.Message);
    }

    [Fact]
    public void Malformed_input_throws_a_serialization_exception()
    {
        ReadFails([0xFF, 0xFF, 0xFF, 0xFF, 0x1F], (ref CdcBinaryReader r) => r.ReadVarUInt32());
        ReadFails([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02], (ref CdcBinaryReader r) => r.ReadVarUInt64());
        ReadFails([2], (ref CdcBinaryReader r) => r.ReadBoolean());
        var e = ReadFails([2, 0xC3, 0x28], (ref CdcBinaryReader r) => r.ReadString());
        Assert.Contains("UTF-8", e.Message);
    }
}
