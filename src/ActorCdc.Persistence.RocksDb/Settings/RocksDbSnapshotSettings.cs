using Akka.Configuration;

namespace ActorCdc.Persistence.RocksDb.Settings;

/// <summary>Settings of the snapshot store, read from its plugin block (<c>akka.persistence.snapshot-store.rocksdb</c>).</summary>
public sealed record RocksDbSnapshotSettings(RocksDbStoreOptions Store, LocalSnapshotStorage Local)
{
    /// <summary>Builds the settings from a plugin block, falling back to the embedded reference.conf for missing keys.</summary>
    public static RocksDbSnapshotSettings Create(Config config)
    {
        config = (config ?? Config.Empty).WithFallback(RocksDbPersistence.DefaultSnapshotConfig());
        var local = config.GetString("local") switch
        {
            "rocksdb" => LocalSnapshotStorage.RocksDb,
            "memory" => LocalSnapshotStorage.Memory,
            var other => throw new ConfigurationException(
                $"local = '{other}' is not a local snapshot storage; expected rocksdb or memory."),
        };
        return new RocksDbSnapshotSettings(RocksDbStoreOptions.Create(config), local);
    }
}
