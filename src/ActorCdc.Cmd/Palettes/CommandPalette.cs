namespace ActorCdc.Cmd.Palettes;

/// <summary>A named set of commands; the palette name is the first word an operator types (<c>cdc status</c>).</summary>
public sealed record CommandPalette(string Name, string Description, IReadOnlyList<CommandDefinition> Commands);
