using System.Net.Sockets;
using System.Text;

namespace ActorCdc.StarRocksDouble.Http;

/// <summary>Buffered reads of one HTTP/1.1 connection: header lines, exact byte counts, chunked bodies.</summary>
internal sealed class HttpConnection(NetworkStream stream)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public NetworkStream Stream { get; } = stream;

    /// <summary>A line without its CRLF, or null at end of stream.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        while (true)
        {
            for (var i = _start; i < _end; i++)
            {
                if (_buffer[i] != (byte)'\n') continue;
                line.AddRange(_buffer.AsSpan(_start, i - _start).ToArray());
                _start = i + 1;
                if (line.Count > 0 && line[^1] == (byte)'\r') line.RemoveAt(line.Count - 1);
                return Encoding.Latin1.GetString(line.ToArray());
            }
            line.AddRange(_buffer.AsSpan(_start, _end - _start).ToArray());
            _start = _end = 0;
            if (line.Count > 1024 * 1024) throw new IOException("header line longer than 1 MiB");
            var n = await Stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0) return line.Count == 0 ? null : Encoding.Latin1.GetString(line.ToArray());
            _end = n;
        }
    }

    public async Task ReadExactAsync(Memory<byte> target, CancellationToken cancellationToken)
    {
        var filled = 0;
        var buffered = Math.Min(_end - _start, target.Length);
        if (buffered > 0)
        {
            _buffer.AsMemory(_start, buffered).CopyTo(target);
            _start += buffered;
            filled = buffered;
        }
        while (filled < target.Length)
        {
            var n = await Stream.ReadAsync(target[filled..], cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new IOException($"the client closed the connection after {filled} of {target.Length} body bytes");
            filled += n;
        }
    }

    public async Task<byte[]> ReadChunkedAsync(CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        while (true)
        {
            var sizeLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new IOException("end of stream inside a chunked body");
            var semicolon = sizeLine.IndexOf(';');
            var size = Convert.ToInt32((semicolon < 0 ? sizeLine : sizeLine[..semicolon]).Trim(), 16);
            if (size == 0)
            {
                while (!string.IsNullOrEmpty(await ReadLineAsync(cancellationToken).ConfigureAwait(false)))
                {
                }
                return body.ToArray();
            }
            var chunk = new byte[size];
            await ReadExactAsync(chunk, cancellationToken).ConfigureAwait(false);
            body.Write(chunk);
            await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
