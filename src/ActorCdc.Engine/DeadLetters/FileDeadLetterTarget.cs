using System.Text.Json;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;

namespace ActorCdc.Engine.DeadLetters;

/// <summary>
/// Dead letters of one table as JSON lines in <c>&lt;path&gt;/&lt;pipeline&gt;/&lt;schema.table&gt;.jsonl</c>, each line
/// fsynced before <see cref="WriteAsync"/> returns. A restart replays changes from the last applied position, so a
/// change rejected before a crash is rejected again: it is recognised by its position (rejections arrive in position
/// order, so anything at or below the last stored position is a replay) and not written twice. A line torn by a crash
/// is cut off when the file is opened.
/// </summary>
public sealed class FileDeadLetterTarget : IDeadLetterTarget
{
    private readonly string _file;
    private FileStream? _stream;
    private SourcePosition _last = SourcePosition.Start;

    public FileDeadLetterTarget(string directory, string pipeline, string table)
    {
        _file = System.IO.Path.Combine(directory, pipeline, table + ".jsonl");
    }

    /// <summary>The file this target appends to.</summary>
    public string Path => _file;

    public async Task<bool> WriteAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        try
        {
            var stream = _stream ?? Open();
            if (letter.Position <= _last) return false;
            var line = Encode(letter);
            await stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
            _last = letter.Position;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The file may be half-written now: reopen (and cut any torn line) before the retry.
            await DisposeAsync().ConfigureAwait(false);
            throw CdcException.Transient($"writing a dead letter to {_file} failed ({e.Message}); it is retried — check that the directory is writable and the disk has space.", e);
        }
    }

    private FileStream Open()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_file)!);
        var stream = new FileStream(_file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 4096, FileOptions.None);
        try
        {
            _last = RecoverTail(stream);
            stream.Seek(0, SeekOrigin.End);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return _stream = stream;
    }

    /// <summary>Cuts a torn last line and returns the position of the last complete one.</summary>
    private static SourcePosition RecoverTail(FileStream stream)
    {
        var length = stream.Length;
        if (length == 0) return SourcePosition.Start;
        // Read backwards in blocks until the last two newlines are found.
        var block = new byte[8192];
        long lastNewline = -1;
        var pos = length;
        while (pos > 0)
        {
            var n = (int)Math.Min(block.Length, pos);
            pos -= n;
            stream.Seek(pos, SeekOrigin.Begin);
            stream.ReadExactly(block, 0, n);
            for (var i = n - 1; i >= 0; i--)
            {
                if (block[i] != (byte)'\n') continue;
                var at = pos + i;
                if (lastNewline < 0)
                {
                    lastNewline = at;
                    continue;
                }
                return Finish(stream, at + 1, lastNewline, length);
            }
        }
        return lastNewline < 0 ? Truncate(stream, 0) : Finish(stream, 0, lastNewline, length);
    }

    private static SourcePosition Finish(FileStream stream, long lineStart, long lineEnd, long length)
    {
        if (lineEnd + 1 < length) stream.SetLength(lineEnd + 1); // a torn line after the last complete one
        stream.Seek(lineStart, SeekOrigin.Begin);
        var bytes = new byte[lineEnd - lineStart];
        stream.ReadExactly(bytes);
        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        return new SourcePosition(new Lsn(root.GetProperty("commit_lsn").GetUInt64()), root.GetProperty("index").GetInt64());
    }

    private static SourcePosition Truncate(FileStream stream, long length)
    {
        stream.SetLength(length);
        return SourcePosition.Start;
    }

    private static byte[] Encode(DeadLetter letter)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("pipeline", letter.Pipeline);
            w.WriteString("table", letter.Table.ToString());
            w.WriteString("position", letter.Position.ToString());
            w.WriteNumber("commit_lsn", letter.Position.CommitLsn.Value);
            w.WriteNumber("index", letter.Position.Index);
            w.WriteString("operation", DeadLetterJson.Operation(letter.Operation));
            w.WritePropertyName("key");
            DeadLetterJson.WriteColumns(w, letter.Key);
            w.WritePropertyName("values");
            DeadLetterJson.WriteColumns(w, letter.Values);
            w.WriteString("error", letter.Error);
            w.WriteString("time", letter.TimeUtc.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    public ValueTask DisposeAsync()
    {
        var s = _stream;
        _stream = null;
        return s?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
