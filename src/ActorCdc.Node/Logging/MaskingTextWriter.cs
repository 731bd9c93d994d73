using System.Text;
using ActorCdc.Core.Diagnostics;

namespace ActorCdc.Node.Logging;

/// <summary>
/// A console writer that masks secrets (<see cref="SecretMasker"/>) in everything written through it: the console
/// log provider (text or JSON, exception text included), Akka's log routed there, and the node's own status lines.
/// Installed over stdout and stderr before anything is written, so nothing reaches the terminal unmasked.
/// </summary>
public sealed class MaskingTextWriter(TextWriter inner) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => inner.Encoding;

    private static int _installed;

    /// <summary>Wraps stdout and stderr (once per process); call before any logger or writer caches them.</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        Console.SetOut(new MaskingTextWriter(Console.Out));
        Console.SetError(new MaskingTextWriter(Console.Error));
    }

    // Single characters are collected to the end of the line, so a secret written piecewise is still masked whole.
    public override void Write(char value)
    {
        if (value == '\n')
        {
            inner.Write(SecretMasker.Apply(_line.Append('\n').ToString()));
            _line.Clear();
            return;
        }
        _line.Append(value);
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        if (_line.Length > 0)
        {
            _line.Append(value);
            var text = _line.ToString();
            var end = text.LastIndexOf('\n');
            if (end < 0) return;
            inner.Write(SecretMasker.Apply(text[..(end + 1)]));
            _line.Clear().Append(text, end + 1, text.Length - end - 1);
            return;
        }
        inner.Write(SecretMasker.Apply(value));
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value) => Write((value ?? "") + NewLine);

    public override void Flush()
    {
        if (_line.Length > 0)
        {
            inner.Write(SecretMasker.Apply(_line.ToString()));
            _line.Clear();
        }
        inner.Flush();
    }
}
