using System.Text;

namespace ActorCdc.Cmd.Palettes;

/// <summary>
/// Turns the words an operator typed (<c>cdc profile set shop steady --force</c>) into a <see cref="CommandRequest"/>
/// against the palettes a node serves: palette name, the longest matching command name, then switches
/// (<c>-p shop</c>, <c>--pipeline shop</c>, <c>--pipeline=shop</c>), flags, and positional values for the mandatory
/// arguments in definition order; defaults are filled in. Anything else is a <see cref="CommandUsageException"/>.
/// </summary>
public sealed class CommandParser(IReadOnlyList<CommandPalette> palettes)
{
    public IReadOnlyList<CommandPalette> Palettes { get; } = palettes;

    /// <summary>Parses <paramref name="words"/>; <paramref name="json"/> is passed through to the request.</summary>
    public CommandRequest Parse(IReadOnlyList<string> words, bool json)
    {
        if (words.Count == 0) throw new CommandUsageException($"no command given; palettes: {PaletteList()}");
        var palette = FindPalette(words[0]);
        if (words.Count == 1)
            throw new CommandUsageException($"palette '{palette.Name}' needs a command; commands: {CommandList(palette)}");
        var command = FindCommand(palette, words, out var consumed);
        var values = ParseArguments(palette, command, words, 1 + consumed);
        return new CommandRequest(palette.Name, command.Name, values, json);
    }

    /// <summary>
    /// Whether <paramref name="words"/> ask for help: <c>help</c> (every palette, <paramref name="palette"/> null) or
    /// <c>&lt;palette&gt; help</c>, <c>&lt;palette&gt; ... --help</c> (that palette). An unknown palette is a usage error.
    /// </summary>
    public bool IsHelp(IReadOnlyList<string> words, out CommandPalette? palette)
    {
        palette = null;
        if (words.Count == 0) return false;
        if (words.Count == 1 && IsHelpWord(words[0])) return true;
        if (words.Count >= 2 && (words[1] == "help" || IsHelpWord(words[^1])))
        {
            // A palette may define a command named help; then it is that command, not ours.
            var p = FindPalette(words[0]);
            if (words[1] == "help" && p.Commands.Any(c => c.Name == "help")) return false;
            palette = p;
            return true;
        }
        return false;
    }

    private static bool IsHelpWord(string word) => word is "help" or "--help" or "-h" or "-?";

    /// <summary>Every palette with its description, one a line.</summary>
    public string Help()
    {
        var sb = new StringBuilder();
        var width = Palettes.Count == 0 ? 0 : Palettes.Max(p => p.Name.Length);
        foreach (var p in Palettes.OrderBy(p => p.Name, StringComparer.Ordinal))
            sb.Append("  ").Append(p.Name.PadRight(width + 2)).AppendLine(p.Description);
        if (Palettes.Count == 0) sb.AppendLine("  (the node serves no palettes)");
        return sb.ToString();
    }

    /// <summary>A palette's commands, each with its usage line, description and arguments.</summary>
    public static string Help(CommandPalette palette)
    {
        var sb = new StringBuilder();
        sb.Append(palette.Name).Append(": ").AppendLine(palette.Description);
        foreach (var c in palette.Commands)
        {
            sb.AppendLine();
            sb.Append("  ").AppendLine(Usage(palette, c));
            sb.Append("      ").Append(c.Description).AppendLine(c.Streaming ? " (streams until Ctrl+C)" : "");
            foreach (var a in c.Arguments)
            {
                var names = a.Switches.Count == 0 ? $"<{a.Name}>" : string.Join(", ", a.Switches) + (a.IsFlag ? "" : $" <{a.Name}>");
                sb.Append("      ").Append(names.PadRight(28)).Append(' ').Append(a.Description);
                if (a.Mandatory) sb.Append(" (required)");
                if (a.Default is not null) sb.Append(" (default: ").Append(a.Default).Append(')');
                sb.AppendLine();
            }
        }
        return sb.ToString();
    }

    /// <summary>One usage line, e.g. <c>cdc profile set &lt;pipeline&gt; &lt;profile&gt; [--force]</c>.</summary>
    public static string Usage(CommandPalette palette, CommandDefinition command)
    {
        var sb = new StringBuilder().Append(palette.Name).Append(' ').Append(command.Name);
        foreach (var a in command.Arguments)
        {
            var sw = a.Switches.Count > 0 ? LongestSwitch(a) : null;
            if (a.Mandatory) sb.Append(" <").Append(a.Name).Append('>');
            else if (a.IsFlag) sb.Append(" [").Append(sw ?? a.Name).Append(']');
            else sb.Append(" [").Append(sw is null ? "" : sw + " ").Append('<').Append(a.Name).Append(">]");
        }
        return sb.ToString();
    }

    private static string LongestSwitch(ArgumentDefinition a) => a.Switches.OrderByDescending(s => s.Length).First();

    private CommandPalette FindPalette(string word)
    {
        foreach (var p in Palettes)
            if (string.Equals(p.Name, word, StringComparison.OrdinalIgnoreCase))
                return p;
        throw new CommandUsageException($"unknown palette '{word}'; palettes: {PaletteList()}");
    }

    private static CommandDefinition FindCommand(CommandPalette palette, IReadOnlyList<string> words, out int consumed)
    {
        CommandDefinition? best = null;
        consumed = 0;
        foreach (var c in palette.Commands)
        {
            var parts = c.Name.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length <= consumed || parts.Length > words.Count - 1) continue;
            var match = true;
            for (var i = 0; i < parts.Length && match; i++)
                match = string.Equals(parts[i], words[1 + i], StringComparison.OrdinalIgnoreCase);
            if (!match) continue;
            best = c;
            consumed = parts.Length;
        }
        return best ?? throw new CommandUsageException(
            $"unknown command '{words[1]}' in palette '{palette.Name}'; commands: {CommandList(palette)}");
    }

    private static Dictionary<string, string> ParseArguments(CommandPalette palette, CommandDefinition command, IReadOnlyList<string> words, int start)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var positionals = new List<string>();
        var onlyPositionals = false;
        for (var i = start; i < words.Count; i++)
        {
            var word = words[i];
            if (onlyPositionals || !LooksLikeSwitch(word))
            {
                positionals.Add(word);
                continue;
            }
            if (word == "--")
            {
                onlyPositionals = true;
                continue;
            }
            var eq = word.IndexOf('=');
            var name = eq > 0 ? word[..eq] : word;
            var argument = command.Arguments.FirstOrDefault(a => a.Switches.Contains(name, StringComparer.Ordinal))
                ?? throw new CommandUsageException(
                    $"unknown switch '{name}' for '{palette.Name} {command.Name}'; {SwitchList(command)}");
            string value;
            if (argument.IsFlag)
            {
                value = eq > 0 ? word[(eq + 1)..].ToLowerInvariant() : "true";
                if (value is not ("true" or "false"))
                    throw new CommandUsageException($"switch '{name}' is a flag; it takes no value or true/false, not '{word[(eq + 1)..]}'");
            }
            else if (eq > 0) value = word[(eq + 1)..];
            else if (i + 1 < words.Count) value = words[++i];
            else throw new CommandUsageException($"switch '{name}' needs a value: <{argument.Name}> ({argument.Description})");
            if (!values.TryAdd(argument.Name, value))
                throw new CommandUsageException($"argument '{argument.Name}' given twice in '{palette.Name} {command.Name}'");
        }
        var next = 0;
        foreach (var a in command.Arguments)
        {
            if (!a.Mandatory || values.ContainsKey(a.Name) || next >= positionals.Count) continue;
            values[a.Name] = positionals[next++];
        }
        if (next < positionals.Count)
            throw new CommandUsageException(
                $"unexpected value '{positionals[next]}' for '{palette.Name} {command.Name}'; usage: {Usage(palette, command)}");
        foreach (var a in command.Arguments)
        {
            if (values.ContainsKey(a.Name)) continue;
            if (a.Default is not null) values[a.Name] = a.Default;
            else if (a.Mandatory)
                throw new CommandUsageException(
                    $"missing argument '{a.Name}'" + (a.Switches.Count > 0 ? $" ({string.Join(" or ", a.Switches)} <{a.Name}>, or as a value)" : "") +
                    $" for '{palette.Name} {command.Name}'; usage: {Usage(palette, command)}");
        }
        return values;
    }

    // A lone "-" is a value (stdin by convention), and so is a negative number.
    private static bool LooksLikeSwitch(string word) =>
        word.Length > 1 && word[0] == '-' && !(char.IsDigit(word[1]) || (word[1] == '.' && word.Length > 2));

    private string PaletteList() =>
        Palettes.Count == 0 ? "(none: the node serves no palettes)" : string.Join(", ", Palettes.Select(p => p.Name).Order(StringComparer.Ordinal));

    private static string CommandList(CommandPalette palette) =>
        palette.Commands.Count == 0 ? "(none)" : string.Join(", ", palette.Commands.Select(c => c.Name));

    private static string SwitchList(CommandDefinition command)
    {
        var switches = command.Arguments.Where(a => a.Switches.Count > 0).Select(a => string.Join("/", a.Switches)).ToList();
        return switches.Count == 0 ? "it takes no switches" : "switches: " + string.Join(", ", switches);
    }
}
