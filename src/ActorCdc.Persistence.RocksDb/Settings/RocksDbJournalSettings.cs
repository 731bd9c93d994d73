using Akka.Configuration;

namespace ActorCdc.Persistence.RocksDb.Settings;

/// <summary>Settings of the RocksDB journal, read from its plugin block (<c>akka.persistence.journal.rocksdb</c>).</summary>
public sealed record RocksDbJournalSettings(
    RocksDbStoreOptions Store,
    JournalSyncMode Sync,
    TimeSpan SyncInterval,
    long MaxBatchBytes,
    long CompactAfterDeletedEvents)
{
    /// <summary>Builds the settings from a plugin block, falling back to the embedded reference.conf for missing keys.</summary>
    public static RocksDbJournalSettings Create(Config config)
    {
        config = (config ?? Config.Empty).WithFallback(RocksDbPersistence.DefaultJournalConfig());
        var sync = config.GetString("sync") switch
        {
            "every-batch" => JournalSyncMode.EveryBatch,
            "interval" => JournalSyncMode.Interval,
            "off" => JournalSyncMode.Off,
            var other => throw new ConfigurationException(
                $"sync = '{other}' is not a sync policy of the RocksDB journal; expected every-batch, interval or off."),
        };
        return new RocksDbJournalSettings(
            RocksDbStoreOptions.Create(config),
            sync,
            SettingsReader.PositiveDuration(config, "sync-interval"),
            SettingsReader.PositiveBytes(config, "max-batch-bytes"),
            SettingsReader.PositiveLong(config, "compact-after-deleted-events"));
    }
}
