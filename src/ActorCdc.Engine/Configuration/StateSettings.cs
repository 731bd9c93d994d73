using ActorCdc.Persistence.RocksDb.Hosting;

namespace ActorCdc.Engine.Configuration;

/// <summary>
/// <c>actorcdc.state</c>: where entity state lives (the Flink state-backend analogy of DESIGN.md §4) and where
/// checkpoints go. Relative paths are under <see cref="DataDirectory"/>.
/// </summary>
public sealed record StateSettings(StateBackend Backend, string DataDirectory, string RocksDbPath, string CheckpointStorage)
{
    internal static StateSettings Parse(ConfigReader c)
    {
        var backend = c.Enum("backend", StateBackend.RocksDb);
        var dataDir = Path.GetFullPath(c.String("data-dir", "data", "a directory for this node's state"));
        var rocks = c.String("rocksdb.path", "rocksdb", "a directory for the RocksDB state backend");
        rocks = Path.IsPathRooted(rocks) ? rocks : Path.Combine(dataDir, rocks);
        var storage = c.String("checkpoints.storage", "", "file:///path or s3://bucket/prefix");
        if (storage.Length == 0) storage = new Uri(Path.Combine(dataDir, "checkpoints") + "/").AbsoluteUri.TrimEnd('/');
        else if (!storage.StartsWith("file:///", StringComparison.Ordinal) && !storage.StartsWith("s3://", StringComparison.Ordinal))
            throw new SettingsException(c.Key("checkpoints.storage"), storage, "file:///absolute/path or s3://bucket/prefix");
        return new StateSettings(backend, dataDir, rocks, storage);
    }
}
