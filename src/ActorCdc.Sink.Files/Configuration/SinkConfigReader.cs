using System.Globalization;
using ActorCdc.Core.Failures;
using Akka.Configuration;

namespace ActorCdc.Sink.Files.Configuration;

/// <summary>
/// Typed reads of a pipeline's <c>sink</c> block (with the embedded reference.conf as fallback) that fail with a fatal
/// <see cref="CdcException"/> naming the key <c>sink.&lt;key&gt;</c>, the value and what was expected.
/// </summary>
internal sealed class SinkConfigReader(Config config)
{
    private static readonly Lazy<Config> Reference = new(LoadReference);

    public Config Config { get; } = config;

    public static SinkConfigReader WithDefaults(Config sink) => new(sink.WithFallback(Reference.Value));

    public static string Key(string key) => "sink." + key;

    public static CdcException Invalid(string key, string? value, string expected) =>
        CdcException.Fatal(value is null
            ? $"{Key(key)} is missing; set it to {expected}."
            : $"{Key(key)} = \"{value}\" is not valid; set it to {expected}.");

    public string String(string key)
    {
        if (!Config.HasPath(key)) return "";
        var value = Config.GetValue(key);
        if (value.IsEmpty) return "";
        if (!value.IsString()) throw Invalid(key, value.ToString(), "a string");
        return value.GetString() ?? "";
    }

    public int Int(string key, int min, int max)
    {
        var text = String(key);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw Invalid(key, text, $"an integer between {min} and {max}");
        return v;
    }

    public long Bytes(string key, long min, long max, string example)
    {
        var text = String(key);
        long? v;
        try { v = Config.GetByteSize(key); }
        catch (Exception) { v = null; }
        if (v is null || v < min || v > max)
            throw Invalid(key, text, $"a size between {min} and {max} bytes, such as {example}");
        return v.Value;
    }

    public TimeSpan Duration(string key, TimeSpan min, TimeSpan max)
    {
        var text = String(key);
        TimeSpan v;
        try { v = Config.GetTimeSpan(key, null, allowInfinite: false); }
        catch (Exception) { throw Invalid(key, text, "a duration such as 30s, 5m or 1h"); }
        if (v < min || v > max) throw Invalid(key, text, $"a duration between {min} and {max}");
        return v;
    }

    private static Config LoadReference()
    {
        using var stream = typeof(SinkConfigReader).Assembly.GetManifestResourceStream("ActorCdc.Sink.Files.reference.conf")
            ?? throw new InvalidOperationException("ActorCdc.Sink.Files.reference.conf is not embedded in the assembly.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
