using System.Buffers.Binary;
using System.Text;
using ActorCdc.Core.Changes;

namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// Decodes the raw stream of <c>COPY ... TO STDOUT (FORMAT binary)</c> whose columns are all text: per field a length
/// prefix and raw UTF-8, no escaping. One buffer is reused across rows and reads; it grows only for a row larger
/// than itself and shrinks back on <see cref="Reset"/>. Each row costs one <see cref="ColumnValue"/> array plus its strings.
/// </summary>
internal sealed class BinaryCopyDecoder
{
    /// <summary>What <see cref="TryReadRow"/> found.</summary>
    public enum Step : byte
    {
        Row,
        NeedMore,
        End,
    }

    private const int HeaderLength = 19; // signature (11), flags (4), header extension length (4)
    private static readonly byte[] Signature = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0];

    private readonly int _initialSize;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _headerDone;
    private bool _endOfStream;
    private int _columns;

    public BinaryCopyDecoder(int bufferSize)
    {
        _initialSize = bufferSize;
        _buffer = new byte[bufferSize];
    }

    /// <summary>Bytes buffered now (for tests of bounded memory).</summary>
    public int BufferSize => _buffer.Length;

    /// <summary>Prepares for a new COPY whose rows have <paramref name="columns"/> fields.</summary>
    public void Reset(int columns)
    {
        _columns = columns;
        _start = _end = 0;
        _headerDone = false;
        _endOfStream = false;
        // A huge row of the last read must not pin its buffer for the reader's lifetime.
        if (_buffer.Length > _initialSize) _buffer = new byte[_initialSize];
    }

    /// <summary>
    /// Decodes the next row if it is complete in the buffer. The row is measured before anything is decoded, so a row
    /// split across reads is decoded once, after <see cref="Fill"/> brought the rest.
    /// </summary>
    public Step TryReadRow(out ColumnValue[]? row)
    {
        row = null;
        var data = _buffer.AsSpan(_start, _end - _start);
        if (!_headerDone)
        {
            if (data.Length < HeaderLength) return Step.NeedMore;
            if (!data[..Signature.Length].SequenceEqual(Signature))
                throw new InvalidDataException("the COPY stream does not start with the binary COPY signature; the server did not answer FORMAT binary.");
            var extension = BinaryPrimitives.ReadInt32BigEndian(data.Slice(15, 4));
            if (extension < 0) throw new InvalidDataException($"the binary COPY header announces a negative extension length ({extension}).");
            if (data.Length < HeaderLength + extension) return Step.NeedMore;
            _start += HeaderLength + extension;
            _headerDone = true;
            data = data[(HeaderLength + extension)..];
        }
        if (data.Length < 2) return Step.NeedMore;
        var fields = BinaryPrimitives.ReadInt16BigEndian(data);
        if (fields == -1)
        {
            _start += 2;
            return Step.End;
        }
        if (fields != _columns)
            throw new InvalidDataException($"a binary COPY row has {fields} fields where the query selects {_columns}; the table changed under the read.");

        // Measure: every length prefix and its bytes must be buffered.
        var position = 2;
        for (var i = 0; i < fields; i++)
        {
            if (data.Length - position < 4) return Step.NeedMore;
            var length = BinaryPrimitives.ReadInt32BigEndian(data.Slice(position, 4));
            position += 4;
            if (length > 0)
            {
                if (data.Length - position < length) return Step.NeedMore;
                position += length;
            }
        }

        // Decode.
        var values = new ColumnValue[fields];
        position = 2;
        for (var i = 0; i < fields; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(data.Slice(position, 4));
            position += 4;
            if (length < 0)
            {
                values[i] = ColumnValue.Null;
                continue;
            }
            values[i] = ColumnValue.FromText(length == 0 ? string.Empty : Encoding.UTF8.GetString(data.Slice(position, length)));
            position += length;
        }
        _start += position;
        row = values;
        return Step.Row;
    }

    /// <summary>Reads from <paramref name="stream"/> until the buffer is full; false when the stream had already ended.</summary>
    public bool Fill(Stream stream)
    {
        if (!MakeRoom()) return false;
        while (_end < _buffer.Length)
        {
            var read = stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _endOfStream = true;
                break;
            }
            _end += read;
        }
        return true;
    }

    /// <summary>The asynchronous <see cref="Fill"/>.</summary>
    public async ValueTask<bool> FillAsync(Stream stream, CancellationToken ct)
    {
        if (!MakeRoom()) return false;
        while (_end < _buffer.Length)
        {
            var read = await stream.ReadAsync(_buffer.AsMemory(_end, _buffer.Length - _end), ct);
            if (read == 0)
            {
                _endOfStream = true;
                break;
            }
            _end += read;
        }
        return true;
    }

    private bool MakeRoom()
    {
        if (_endOfStream) return false;
        var pending = _end - _start;
        if (_start > 0)
        {
            // Keep the unfinished row, drop what was decoded.
            _buffer.AsSpan(_start, pending).CopyTo(_buffer);
            _start = 0;
            _end = pending;
        }
        else if (_end == _buffer.Length)
        {
            // One row fills the whole buffer: grow it.
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        return true;
    }
}
