namespace ActorCdc.Cmd.Palettes;

/// <summary>
/// The words typed do not form a command of the node's palettes: unknown palette, command or switch, a missing
/// mandatory argument. The message is one line that says what is wrong and what would be accepted (client exit 2).
/// </summary>
public sealed class CommandUsageException(string message) : Exception(message);
