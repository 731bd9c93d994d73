using System.Buffers;
using System.Text;
using ActorCdc.Core.Changes;
using Npgsql;

namespace ActorCdc.Sink.Postgres.Writing;

/// <summary>
/// Encodes rows in COPY's text format into one pooled char buffer and writes it, as UTF-8, to the COPY stream in large
/// chunks, so rows cost no allocation and no per-value async call. Values are already PostgreSQL text: only the
/// format's own escapes apply (backslash, tab, newline, carriage return; <c>\N</c> for null).
/// </summary>
internal sealed class CopyTextBuffer : IAsyncDisposable
{
    private const int FlushThreshold = 64 * 1024;
    private static readonly SearchValues<char> Escaped = SearchValues.Create("\\\t\n\r");

    private readonly NpgsqlRawCopyStream _copy;
    private char[] _buffer;
    private bool _completed;
    private byte[] _bytes = [];
    private int _length;

    private CopyTextBuffer(NpgsqlRawCopyStream copy)
    {
        _copy = copy;
        _buffer = ArrayPool<char>.Shared.Rent(2 * FlushThreshold);
    }

    /// <summary>Starts <paramref name="copyFromStdin"/> (text format) on the connection.</summary>
    public static async Task<CopyTextBuffer> BeginAsync(NpgsqlConnection connection, string copyFromStdin, CancellationToken cancellationToken)
    {
        var writer = (StreamWriter)await connection.BeginTextImportAsync(copyFromStdin, cancellationToken).ConfigureAwait(false);
        // Npgsql's text writer ends the COPY synchronously when disposed; its raw stream does it asynchronously.
        // The writer is left unused: it holds no data of its own.
        return new CopyTextBuffer((NpgsqlRawCopyStream)writer.BaseStream);
    }

    /// <summary>Appends a value; unchanged-TOAST and absent slots are written as null (callers only write them where ignored).</summary>
    public void Value(in ColumnValue value)
    {
        if (value.Kind == ValueKind.Text) Text(value.Text!);
        else Raw("\\N");
    }

    public void Null() => Raw("\\N");

    public void Tab() => Raw('\t');

    public void Int(int value)
    {
        Ensure(11);
        value.TryFormat(_buffer.AsSpan(_length), out var written, default, System.Globalization.CultureInfo.InvariantCulture);
        _length += written;
    }

    public void Raw(char c)
    {
        Ensure(1);
        _buffer[_length++] = c;
    }

    public void Raw(string text)
    {
        Ensure(text.Length);
        text.CopyTo(_buffer.AsSpan(_length));
        _length += text.Length;
    }

    /// <summary>Ends the row and passes the buffer on once it is large enough.</summary>
    public ValueTask EndRowAsync(CancellationToken cancellationToken)
    {
        Raw('\n');
        return _length >= FlushThreshold ? new ValueTask(FlushAsync(cancellationToken)) : default;
    }

    /// <summary>Writes what is buffered. Only called at row ends, so no surrogate pair is ever split.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_length == 0) return;
        var max = Encoding.UTF8.GetMaxByteCount(_length);
        if (_bytes.Length < max)
        {
            if (_bytes.Length > 0) ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = ArrayPool<byte>.Shared.Rent(max);
        }
        var count = Encoding.UTF8.GetBytes(_buffer.AsSpan(0, _length), _bytes);
        _length = 0;
        await _copy.WriteAsync(_bytes.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Flushes and ends the COPY; the server's verdict on the rows arrives here.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
        await _copy.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Cancels the COPY if <see cref="CompleteAsync"/> was not reached; the transaction rolls back anyway.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_completed)
            {
                await _copy.CancelAsync().ConfigureAwait(false);
                await _copy.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is NpgsqlException or ObjectDisposedException or InvalidOperationException or IOException)
        {
            // The failure that brought us here is the one to report; a broken connection is discarded by the pool.
        }
        finally
        {
            ArrayPool<char>.Shared.Return(_buffer);
            _buffer = [];
            if (_bytes.Length > 0) ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = [];
        }
    }

    private void Text(string text)
    {
        Ensure(2 * text.Length); // worst case: every character escaped
        var rest = text.AsSpan();
        while (true)
        {
            var i = rest.IndexOfAny(Escaped);
            if (i < 0)
            {
                rest.CopyTo(_buffer.AsSpan(_length));
                _length += rest.Length;
                return;
            }
            rest[..i].CopyTo(_buffer.AsSpan(_length));
            _length += i;
            _buffer[_length++] = '\\';
            _buffer[_length++] = rest[i] switch { '\\' => '\\', '\t' => 't', '\n' => 'n', _ => 'r' };
            rest = rest[(i + 1)..];
        }
    }

    // Grows instead of flushing so that appending stays synchronous; a row larger than the buffer is rare (big TOAST values).
    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length) return;
        var bigger = ArrayPool<char>.Shared.Rent(Math.Max(2 * _buffer.Length, _length + more));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<char>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
