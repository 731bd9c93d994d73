namespace ActorCdc.Cmd.Hosting;

/// <summary>
/// A <see cref="CommandHostSettings"/> value the host cannot start with. <see cref="Setting"/> is the setting's
/// name (<c>host</c>, <c>port</c>, <c>token</c>) so a node can report it under its own configuration key.
/// </summary>
public sealed class CommandHostSettingsException(string setting, string? value, string expected)
    : Exception($"command host {setting}: {(value is null ? "missing" : $"'{value}' is invalid")}; expected {expected}")
{
    public string Setting { get; } = setting;
    public string? Value { get; } = value;
    public string Expected { get; } = expected;
}
