using Akka.Actor;
using Akka.Configuration;
using ActorCdc.Persistence.RocksDb.Hosting;

namespace ActorCdc.Persistence.RocksDb;

/// <summary>
/// Akka extension of the RocksDB persistence plugin: injects the embedded reference.conf as a top-level fallback so
/// <c>akka.persistence.journal.rocksdb</c> and <c>akka.persistence.snapshot-store.rocksdb</c> resolve with defaults.
/// </summary>
/// <remarks>
/// Akka.Persistence reads a plugin's <c>class</c> before the plugin can load this extension, so a HOCON-only setup
/// either falls back to <see cref="DefaultConfig"/> (or <see cref="StateBackendConfig"/>) or lists
/// <see cref="RocksDbPersistenceProvider"/> in <c>akka.extensions</c>; the Akka.Hosting options do it themselves.
/// </remarks>
public sealed class RocksDbPersistence : IExtension
{
    /// <summary>HOCON path of the journal plugin block.</summary>
    public const string JournalConfigPath = "akka.persistence.journal.rocksdb";

    /// <summary>HOCON path of the snapshot-store plugin block.</summary>
    public const string SnapshotConfigPath = "akka.persistence.snapshot-store.rocksdb";

    /// <summary>Plugin id of Akka's in-memory journal, used by <c>state.backend = memory</c>.</summary>
    public const string InMemoryJournalPluginId = "akka.persistence.journal.inmem";

    private static readonly Lazy<Config> Reference = new(() =>
        ConfigurationFactory.FromResource<RocksDbPersistence>("ActorCdc.Persistence.RocksDb.reference.conf"));

    public RocksDbPersistence(ExtendedActorSystem system) => system.Settings.InjectTopLevelFallback(DefaultConfig());

    /// <summary>The embedded reference.conf.</summary>
    public static Config DefaultConfig() => Reference.Value;

    /// <summary>The reference block of the journal (what its settings fall back to).</summary>
    public static Config DefaultJournalConfig() => DefaultConfig().GetConfig(JournalConfigPath);

    /// <summary>The reference block of the snapshot store (what its settings fall back to).</summary>
    public static Config DefaultSnapshotConfig() => DefaultConfig().GetConfig(SnapshotConfigPath);

    /// <summary>
    /// The plugin selection of a state backend, with the plugin blocks of reference.conf as fallback: RocksDB journal
    /// and snapshot store, or Akka's in-memory journal with this snapshot store keeping snapshots in memory (and still
    /// pushing them to checkpoint storage). Put user settings (e.g. the path) in front of it.
    /// </summary>
    public static Config StateBackendConfig(StateBackend backend) => Selection(backend).WithFallback(DefaultConfig());

    private static Config Selection(StateBackend backend) => backend switch
    {
        StateBackend.RocksDb => ConfigurationFactory.ParseString($"""
            akka.persistence.journal.plugin = "{JournalConfigPath}"
            akka.persistence.snapshot-store.plugin = "{SnapshotConfigPath}"
            {SnapshotConfigPath}.local = rocksdb
            """),
        StateBackend.Memory => ConfigurationFactory.ParseString($"""
            akka.persistence.journal.plugin = "{InMemoryJournalPluginId}"
            akka.persistence.snapshot-store.plugin = "{SnapshotConfigPath}"
            {SnapshotConfigPath}.local = memory
            """),
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "unknown state backend"),
    };

    /// <summary>The extension of <paramref name="system"/>, created (and the fallback injected) on first use.</summary>
    public static RocksDbPersistence Get(ActorSystem system) => system.WithExtension<RocksDbPersistence, RocksDbPersistenceProvider>();
}
