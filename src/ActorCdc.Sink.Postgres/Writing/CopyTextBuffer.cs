using System.Buffers;
using ActorCdc.Core.Changes;

namespace ActorCdc.Sink.Postgres.Writing;

/// <summary>
/// Encodes rows in COPY's text format into one pooled char buffer and hands it to the COPY writer in large chunks,
/// so rows cost no allocation and no per-value async call. Values are already PostgreSQL text: only the
/// format's own escapes apply (backslash, tab, newline, carriage return; <c>\N</c> for null).
/// </summary>
internal sealed class CopyTextBuffer : IDisposable
{
    private const int FlushThreshold = 64 * 1024;
    private static readonly SearchValues<char> Escaped = SearchValues.Create("\\\t\n\r");

    private readonly TextWriter _writer;
    private char[] _buffer;
    private int _length;

    public CopyTextBuffer(TextWriter writer)
    {
        _writer = writer;
        _buffer = ArrayPool<char>.Shared.Rent(2 * FlushThreshold);
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

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_length == 0) return;
        await _writer.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
        _length = 0;
    }

    public void Dispose()
    {
        ArrayPool<char>.Shared.Return(_buffer);
        _buffer = [];
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
