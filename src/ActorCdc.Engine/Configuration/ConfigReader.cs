using Akka.Configuration;

namespace ActorCdc.Engine.Configuration;

/// <summary>
/// Typed reads of one HOCON block that fail with a <see cref="SettingsException"/> naming the full key,
/// instead of Akka's defaults-on-missing behaviour.
/// </summary>
public sealed class ConfigReader(Config config, string path)
{
    public Config Config { get; } = config;
    public string Path { get; } = path;

    public string Key(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public bool Has(string key) => Config.HasPath(key) && !Config.GetValue(key).IsEmpty;

    public ConfigReader Section(string key)
    {
        if (!Config.HasPath(key)) throw new SettingsException(Key(key), null, "a configuration block");
        return new ConfigReader(Config.GetConfig(key), Key(key));
    }

    public string String(string key, string expected)
    {
        var value = Has(key) ? Config.GetString(key) : null;
        if (string.IsNullOrWhiteSpace(value)) throw new SettingsException(Key(key), null, expected);
        return value;
    }

    public string String(string key, string fallback, string expected)
    {
        var value = Has(key) ? Config.GetString(key) : null;
        return string.IsNullOrWhiteSpace(value) ? fallback : value;
    }

    public bool Bool(string key, bool fallback)
    {
        if (!Has(key)) return fallback;
        var text = Config.GetString(key)?.Trim().ToLowerInvariant();
        return text switch
        {
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" => false,
            _ => throw new SettingsException(Key(key), text, "on or off"),
        };
    }

    public int Int(string key, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!Has(key)) return fallback;
        var text = Config.GetString(key);
        if (!int.TryParse(text, out var v) || v < min || v > max)
            throw new SettingsException(Key(key), text, $"an integer between {min} and {max}");
        return v;
    }

    public TimeSpan Duration(string key, TimeSpan fallback, TimeSpan? min = null)
    {
        if (!Has(key)) return fallback;
        var text = Config.GetString(key);
        TimeSpan v;
        try { v = Config.GetTimeSpan(key, fallback, allowInfinite: false); }
        catch (Exception) { throw new SettingsException(Key(key), text, "a duration such as 500ms, 30s or 5m"); }
        if (min is { } m && v < m) throw new SettingsException(Key(key), text, $"a duration of at least {m}");
        return v;
    }

    public long Bytes(string key, long fallback, long min = 1)
    {
        if (!Has(key)) return fallback;
        var text = Config.GetString(key);
        long? v;
        try { v = Config.GetByteSize(key); }
        catch (Exception) { v = null; }
        if (v is null || v < min) throw new SettingsException(Key(key), text, $"a size of at least {min} bytes, such as 64MiB");
        return v.Value;
    }

    public IReadOnlyList<string> StringList(string key)
    {
        if (!Has(key)) return [];
        try { return Config.GetStringList(key).ToList(); }
        catch (Exception) { throw new SettingsException(Key(key), Config.GetString(key), "a list of strings such as [\"public.orders\"]"); }
    }

    public T Enum<T>(string key, T fallback) where T : struct, System.Enum
    {
        if (!Has(key)) return fallback;
        var text = Config.GetString(key);
        var normalized = text.Replace("-", "");
        if (System.Enum.TryParse<T>(normalized, ignoreCase: true, out var v) && System.Enum.IsDefined(v)) return v;
        var names = string.Join(" | ", System.Enum.GetNames<T>().Select(Kebab));
        throw new SettingsException(Key(key), text, names);
    }

    private static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
