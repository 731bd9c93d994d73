namespace ActorCdc.Cmd.Palettes;

/// <summary>
/// How a command ended. <see cref="Succeeded"/> = false means the node carried the command out and it failed (client
/// exit code 1); <see cref="Message"/> is a last line for the operator (what went wrong and what to do), or null.
/// </summary>
public sealed record CommandResult(bool Succeeded, string? Message = null)
{
    public static readonly CommandResult Ok = new(true);

    public static CommandResult Fail(string message) => new(false, message);
}
