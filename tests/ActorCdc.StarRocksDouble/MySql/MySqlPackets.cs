using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace ActorCdc.StarRocksDouble.MySql;

/// <summary>MySQL client/server protocol framing (3-byte length, sequence id) and the payload encodings the double writes.</summary>
internal sealed class MySqlPackets(NetworkStream stream)
{
    private readonly byte[] _header = new byte[4];

    public byte Sequence { get; set; }

    /// <summary>The next payload, or null at end of stream; sets <see cref="Sequence"/> to follow it.</summary>
    public async Task<byte[]?> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(_header, cancellationToken).ConfigureAwait(false)) return null;
        var length = _header[0] | (_header[1] << 8) | (_header[2] << 16);
        Sequence = (byte)(_header[3] + 1);
        var payload = new byte[length];
        if (length > 0 && !await FillAsync(payload, cancellationToken).ConfigureAwait(false)) return null;
        return payload;
    }

    public async Task WriteAsync(byte[] payload, CancellationToken cancellationToken)
    {
        var packet = new byte[payload.Length + 4];
        packet[0] = (byte)payload.Length;
        packet[1] = (byte)(payload.Length >> 8);
        packet[2] = (byte)(payload.Length >> 16);
        packet[3] = Sequence++;
        payload.CopyTo(packet, 4);
        await stream.WriteAsync(packet, cancellationToken).ConfigureAwait(false);
    }

    public Task FlushAsync(CancellationToken cancellationToken) => stream.FlushAsync(cancellationToken);

    public static byte[] Ok() => [0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00];

    public static byte[] Eof() => [0xfe, 0x00, 0x00, 0x02, 0x00];

    public static byte[] Error(int code, string state, string message)
    {
        var payload = new List<byte> { 0xff, (byte)code, (byte)(code >> 8), (byte)'#' };
        payload.AddRange(Encoding.ASCII.GetBytes(state.PadRight(5, '0')[..5]));
        payload.AddRange(Encoding.UTF8.GetBytes(message));
        return payload.ToArray();
    }

    public static byte[] ColumnCount(int count)
    {
        var payload = new List<byte>();
        WriteLength(payload, count);
        return payload.ToArray();
    }

    /// <summary>A Protocol::ColumnDefinition41 of a VAR_STRING in utf8.</summary>
    public static byte[] ColumnDefinition(string name)
    {
        var payload = new List<byte>();
        WriteString(payload, "def");
        WriteString(payload, "");
        WriteString(payload, "");
        WriteString(payload, "");
        WriteString(payload, name);
        WriteString(payload, name);
        payload.Add(0x0c);
        payload.AddRange([33, 0]);
        payload.AddRange([0x00, 0x04, 0x00, 0x00]);
        payload.Add(0xfd);
        payload.AddRange([0, 0]);
        payload.Add(0);
        payload.AddRange([0, 0]);
        return payload.ToArray();
    }

    public static byte[] Row(IReadOnlyList<string?> values)
    {
        var payload = new List<byte>();
        foreach (var v in values)
        {
            if (v is null) payload.Add(0xfb);
            else WriteString(payload, v);
        }
        return payload.ToArray();
    }

    public static void WriteString(List<byte> payload, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        WriteLength(payload, bytes.Length);
        payload.AddRange(bytes);
    }

    public static void WriteLength(List<byte> payload, long value)
    {
        switch (value)
        {
            case < 251:
                payload.Add((byte)value);
                break;
            case < 0x10000:
                payload.Add(0xfc);
                payload.Add((byte)value);
                payload.Add((byte)(value >> 8));
                break;
            case < 0x1000000:
                payload.Add(0xfd);
                payload.Add((byte)value);
                payload.Add((byte)(value >> 8));
                payload.Add((byte)(value >> 16));
                break;
            default:
                payload.Add(0xfe);
                var b = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(b, value);
                payload.AddRange(b);
                break;
        }
    }

    public static long ReadLength(ReadOnlySpan<byte> data, ref int at)
    {
        var first = data[at++];
        switch (first)
        {
            case < 0xfb:
                return first;
            case 0xfc:
                at += 2;
                return BinaryPrimitives.ReadUInt16LittleEndian(data[(at - 2)..]);
            case 0xfd:
                at += 3;
                return data[at - 3] | (data[at - 2] << 8) | (data[at - 1] << 16);
            default:
                at += 8;
                return BinaryPrimitives.ReadInt64LittleEndian(data[(at - 8)..]);
        }
    }

    private async Task<bool> FillAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (n == 0) return false;
            filled += n;
        }
        return true;
    }
}
