using System.Globalization;
using ActorCdc.Core.Failures;
using Akka.Configuration;

namespace ActorCdc.Sink.StarRocks.Configuration;

/// <summary>
/// Typed reads of a pipeline's <c>sink</c> block (with the embedded reference.conf as fallback) that fail with a
/// fatal <see cref="CdcException"/> naming the key <c>sink.&lt;key&gt;</c>, the value and what was expected.
/// </summary>
internal sealed class SinkConfigReader(Config config)
{
    public Config Config { get; } = config;

    public static string Key(string key) => "sink." + key;

    public static CdcException Invalid(string key, string? value, string expected) =>
        CdcException.Fatal(value is null
            ? $"{Key(key)} is missing; set it to {expected}."
            : $"{Key(key)} = \"{value}\" is not valid; set it to {expected}.");

    public bool Has(string key) => Config.HasPath(key) && !Config.GetValue(key).IsEmpty;

    public string String(string key, string fallback = "")
    {
        if (!Has(key)) return fallback;
        var value = Config.GetValue(key);
        if (!value.IsString()) throw Invalid(key, value.ToString(), "a string");
        return value.GetString() ?? fallback;
    }

    public int Int(string key, int min, int max)
    {
        var text = String(key);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw Invalid(key, text, $"an integer between {min} and {max}");
        return v;
    }

    public long Bytes(string key, long min, long max)
    {
        var text = String(key);
        long? v;
        try { v = Config.GetByteSize(key); }
        catch (Exception) { v = null; }
        if (v is null || v < min || v > max)
            throw Invalid(key, text, $"a size between {min} and {max} bytes, such as 90MiB");
        return v.Value;
    }

    public TimeSpan Duration(string key, TimeSpan min, TimeSpan max)
    {
        var text = String(key);
        TimeSpan v;
        try { v = Config.GetTimeSpan(key, null, allowInfinite: false); }
        catch (Exception) { throw Invalid(key, text, "a duration such as 500ms, 30s or 5m"); }
        if (v < min || v > max) throw Invalid(key, text, $"a duration between {min} and {max}");
        return v;
    }

    /// <summary>Reads a kebab-case enum value (<c>at-least-once</c> → <c>AtLeastOnce</c>).</summary>
    public T Enum<T>(string key) where T : struct, System.Enum
    {
        var text = String(key);
        if (System.Enum.TryParse<T>(text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var v) && System.Enum.IsDefined(v)
            && !int.TryParse(text, out _))
            return v;
        throw Invalid(key, text, string.Join(" | ", KebabNames<T>()));
    }

    /// <summary>A list given as a HOCON list or as one string separated by ';' or ','.</summary>
    public IReadOnlyList<string> StringList(string key)
    {
        if (!Has(key)) return [];
        var value = Config.GetValue(key);
        var items = new List<string>();
        if (value.IsArray())
        {
            foreach (var item in value.GetArray()) items.Add(item.GetString() ?? "");
        }
        else
        {
            items.AddRange((value.GetString() ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        return items;
    }

    /// <summary>The flat string entries of an object such as <c>properties { a = "1" }</c>.</summary>
    public IReadOnlyDictionary<string, string> Map(string key)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Config.HasPath(key)) return map;
        var value = Config.GetValue(key);
        if (value.IsEmpty) return map;
        if (!value.IsObject()) throw Invalid(key, value.ToString(), "an object such as { name = \"value\" }");
        foreach (var (name, item) in value.GetObject().Items)
        {
            if (!item.IsString()) throw Invalid($"{key}.{name}", item.ToString(), "a string");
            map[name] = item.GetString() ?? "";
        }
        return map;
    }

    private static IEnumerable<string> KebabNames<T>() where T : struct, System.Enum
    {
        foreach (var name in System.Enum.GetNames<T>())
        {
            var chars = new System.Text.StringBuilder();
            for (var i = 0; i < name.Length; i++)
            {
                if (char.IsUpper(name[i]) && i > 0) chars.Append('-');
                chars.Append(char.ToLowerInvariant(name[i]));
            }
            yield return chars.ToString();
        }
    }
}
