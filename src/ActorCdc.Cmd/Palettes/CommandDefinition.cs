namespace ActorCdc.Cmd.Palettes;

/// <summary>
/// A command of a palette. <see cref="Name"/> may be several words (<c>profile set</c>); the parser takes the longest
/// name that matches. <see cref="Streaming"/> commands send output until cancelled (Ctrl+C in the client).
/// </summary>
public sealed record CommandDefinition(
    string Name,
    string Description,
    IReadOnlyList<ArgumentDefinition> Arguments,
    bool Streaming = false);
