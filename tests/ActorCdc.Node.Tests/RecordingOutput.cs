using System.Text;
using ActorCdc.Cmd.Palettes;

namespace ActorCdc.Node.Tests;

/// <summary>An <see cref="ICommandOutput"/> that keeps every chunk a handler wrote, and can signal after N chunks.</summary>
public sealed class RecordingOutput : ICommandOutput
{
    private readonly List<string> _chunks = [];

    public IReadOnlyList<string> Chunks { get { lock (_chunks) return _chunks.ToList(); } }

    public string Text { get { lock (_chunks) return string.Concat(_chunks); } }

    public ValueTask WriteAsync(string text, CancellationToken cancellation)
    {
        lock (_chunks) _chunks.Add(text);
        return ValueTask.CompletedTask;
    }

    public override string ToString() => Text;
}
