namespace ActorCdc.Cmd.Palettes;

/// <summary>Where a handler streams its output: each call sends one chunk of text to the client at once.</summary>
public interface ICommandOutput
{
    /// <summary>Sends <paramref name="text"/> (usually whole lines, ending with a newline) to the client.</summary>
    ValueTask WriteAsync(string text, CancellationToken cancellation);
}
