using Akka.Configuration;

namespace ActorCdc.Persistence.RocksDb.Settings;

/// <summary>Reads and validates plugin keys so a bad value fails at start with the key, the value and what was expected.</summary>
internal static class SettingsReader
{
    public static long PositiveBytes(Config config, string key)
    {
        var raw = config.GetString(key);
        long? value;
        try
        {
            value = config.GetByteSize(key);
        }
        catch (Exception e)
        {
            throw new ConfigurationException($"{key} = '{raw}' is not a size; expected e.g. 16MiB.", e);
        }
        if (value is not > 0)
            throw new ConfigurationException($"{key} = '{raw}' must be a positive size, e.g. 16MiB.");
        return value.Value;
    }

    public static TimeSpan PositiveDuration(Config config, string key)
    {
        var value = config.GetTimeSpan(key, TimeSpan.Zero);
        if (value <= TimeSpan.Zero)
            throw new ConfigurationException($"{key} = '{config.GetString(key)}' must be a positive duration, e.g. 100ms.");
        return value;
    }

    public static long PositiveLong(Config config, string key)
    {
        var value = config.GetLong(key, 0);
        if (value <= 0)
            throw new ConfigurationException($"{key} = '{config.GetString(key)}' must be a positive number.");
        return value;
    }
}
