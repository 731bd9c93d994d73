namespace ActorCdc.Sink.StarRocks.Json;

/// <summary>
/// Reads PostgreSQL's array output (<c>{1,2,NULL}</c>, <c>{"a b","c\"d"}</c>, <c>[0:1]={1,2}</c>, nested braces) element by
/// element without allocating: unquoted elements are slices of the source, quoted ones are unescaped into a scratch buffer.
/// </summary>
internal ref struct PgArrayLiteral(ReadOnlySpan<char> source)
{
    public enum TokenKind : byte { Value, Null, StartNested, End, Invalid }

    /// <summary>An element: a slice of the source or of the scratch buffer.</summary>
    public readonly record struct Token(TokenKind Kind, bool InScratch, int Start, int Length)
    {
        public ReadOnlySpan<char> Text(char[] scratch, ReadOnlySpan<char> source) =>
            InScratch ? scratch.AsSpan(Start, Length) : source.Slice(Start, Length);
    }

    private int _pos;

    public ReadOnlySpan<char> Source { get; } = source;

    /// <summary>True when a nested brace appears: a multi-dimensional array.</summary>
    public static bool IsMultiDimensional(ReadOnlySpan<char> text)
    {
        var first = text.IndexOf('{');
        if (first < 0) return false;
        var quoted = false;
        for (var i = first + 1; i < text.Length; i++)
        {
            var ch = text[i];
            if (ch == '\\') { i++; continue; }
            if (ch == '"') quoted = !quoted;
            else if (ch == '{' && !quoted) return true;
        }
        return false;
    }

    /// <summary>Skips the optional dimension decoration and the opening brace.</summary>
    public bool TryStart()
    {
        if (Source.Length > 0 && Source[0] == '[')
        {
            var eq = Source.IndexOf('=');
            if (eq < 0) return false;
            _pos = eq + 1;
        }
        SkipSpace();
        if (_pos >= Source.Length || Source[_pos] != '{') return false;
        _pos++;
        return true;
    }

    public Token Next(ref char[] scratch)
    {
        SkipSpace();
        if (_pos < Source.Length && Source[_pos] == ',')
        {
            _pos++;
            SkipSpace();
        }
        if (_pos >= Source.Length) return new Token(TokenKind.Invalid, false, 0, 0);
        var ch = Source[_pos];
        if (ch == '}')
        {
            _pos++;
            return new Token(TokenKind.End, false, 0, 0);
        }
        if (ch == '{')
        {
            _pos++;
            return new Token(TokenKind.StartNested, false, 0, 0);
        }
        return ch == '"' ? Quoted(ref scratch) : Unquoted(ref scratch);
    }

    private Token Quoted(ref char[] scratch)
    {
        _pos++;
        var length = 0;
        while (_pos < Source.Length)
        {
            var ch = Source[_pos++];
            if (ch == '"') return new Token(TokenKind.Value, true, 0, length);
            if (ch == '\\')
            {
                if (_pos >= Source.Length) break;
                ch = Source[_pos++];
            }
            PgValueWriter.Grow(ref scratch, length + 1);
            scratch[length++] = ch;
        }
        return new Token(TokenKind.Invalid, false, 0, 0);
    }

    private Token Unquoted(ref char[] scratch)
    {
        var start = _pos;
        var escaped = false;
        while (_pos < Source.Length && Source[_pos] is not (',' or '}'))
        {
            if (Source[_pos] == '\\') { escaped = true; _pos++; }
            _pos++;
        }
        if (_pos > Source.Length) return new Token(TokenKind.Invalid, false, 0, 0);
        var end = _pos;
        while (end > start && char.IsWhiteSpace(Source[end - 1])) end--;
        var raw = Source[start..end];
        if (!escaped)
        {
            return raw.Equals("NULL", StringComparison.OrdinalIgnoreCase)
                ? new Token(TokenKind.Null, false, 0, 0)
                : new Token(TokenKind.Value, false, start, end - start);
        }
        var length = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var ch = raw[i];
            if (ch == '\\' && i + 1 < raw.Length) ch = raw[++i];
            PgValueWriter.Grow(ref scratch, length + 1);
            scratch[length++] = ch;
        }
        return new Token(TokenKind.Value, true, 0, length);
    }

    private void SkipSpace()
    {
        while (_pos < Source.Length && char.IsWhiteSpace(Source[_pos])) _pos++;
    }
}
