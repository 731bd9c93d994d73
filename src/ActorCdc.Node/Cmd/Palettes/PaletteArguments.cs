using System.Globalization;
using ActorCdc.Cmd.Palettes;

namespace ActorCdc.Node.Cmd.Palettes;

/// <summary>Reads argument values of a <see cref="CommandRequest"/> (the parser fills in defaults; flags are "true").</summary>
public static class PaletteArguments
{
    public static string? Get(this CommandRequest request, string name) =>
        request.Arguments.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    public static bool Flag(this CommandRequest request, string name) =>
        request.Get(name) is { } v && (v.Equals("true", StringComparison.OrdinalIgnoreCase) || v == "1" || v.Equals("on", StringComparison.OrdinalIgnoreCase));

    /// <summary>A positive whole number, or null with <paramref name="error"/> telling the operator what to type.</summary>
    public static int? PositiveInt(this CommandRequest request, string name, int fallback, out string? error)
    {
        error = null;
        var text = request.Get(name);
        if (text is null) return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0) return n;
        error = $"{name} '{text}' is not a positive whole number; give e.g. {fallback}";
        return null;
    }

    /// <summary>Shorthand for an argument definition.</summary>
    public static ArgumentDefinition Arg(string name, string shortSwitch, string description, bool mandatory = false, string? defaultValue = null) =>
        new(name, [shortSwitch, "--" + name], description, mandatory, false, defaultValue);

    /// <summary>Shorthand for a flag (no value; present = "true").</summary>
    public static ArgumentDefinition Flag(string name, string description) =>
        new(name, ["--" + name], description, false, true, null);
}
