namespace ActorCdc.Cmd.Palettes;

/// <summary>
/// A parsed command: palette, command name, argument values by argument name (flags as "true", defaults filled in),
/// and whether the caller wants JSON (<c>--json</c>) instead of a human table.
/// </summary>
public sealed record CommandRequest(
    string Palette,
    string Command,
    IReadOnlyDictionary<string, string> Arguments,
    bool Json);
