namespace ActorCdc.Cmd.Palettes;

/// <summary>
/// Serves one palette in the command host. <see cref="ExecuteAsync"/> runs once per command; it writes its output to
/// its output and returns how it ended. The cancellation token fires when the client cancels
/// (Ctrl+C) or disconnects; a streaming command then returns <see cref="CommandResult.Ok"/>. Exceptions thrown are
/// reported to the client as a failed command with the exception's message.
/// </summary>
public interface ICommandPaletteHandler
{
    CommandPalette Palette { get; }

    Task<CommandResult> ExecuteAsync(CommandRequest request, ICommandOutput output, CancellationToken cancellation);
}
