namespace ActorCdc.Engine.Configuration;

/// <summary>Bad configuration, found at start: names the key, the value seen and what was expected.</summary>
public sealed class SettingsException(string key, string? value, string expected)
    : Exception($"{key}: {(value is null ? "missing" : $"'{value}' is invalid")}; expected {expected}")
{
    public string Key { get; } = key;
    public string? Value { get; } = value;
    public string Expected { get; } = expected;
}
