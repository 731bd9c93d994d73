using Akka.Configuration;

namespace ActorCdc.Persistence.RocksDb.Settings;

/// <summary>How a RocksDB database is opened: its directory and the tuning of its memtables and WAL.</summary>
public sealed record RocksDbStoreOptions(string Path, bool CreateIfMissing, long WriteBufferSize, long MaxTotalWalSize)
{
    /// <summary>Reads <c>path</c>, <c>create-if-missing</c> and the <c>db</c> block of a journal or snapshot-store block.</summary>
    public static RocksDbStoreOptions Create(Config config)
    {
        var path = config.GetString("path");
        if (string.IsNullOrWhiteSpace(path))
            throw new ConfigurationException("path is empty: set it to the directory of the RocksDB database, e.g. path = \"data/rocksdb\".");
        return new RocksDbStoreOptions(
            System.IO.Path.GetFullPath(path),
            config.GetBoolean("create-if-missing", true),
            SettingsReader.PositiveBytes(config, "db.write-buffer-size"),
            SettingsReader.PositiveBytes(config, "db.max-total-wal-size"));
    }
}
