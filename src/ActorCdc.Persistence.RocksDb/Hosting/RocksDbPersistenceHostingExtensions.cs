using Akka.Hosting;
using Akka.Persistence.Hosting;
using ActorCdc.Persistence.RocksDb.Settings;

namespace ActorCdc.Persistence.RocksDb.Hosting;

/// <summary>Akka.Hosting registration of the RocksDB journal and snapshot store, or of the memory state backend.</summary>
public static class RocksDbPersistenceHostingExtensions
{
    /// <summary>
    /// Registers the state backend: <see cref="StateBackend.RocksDb"/> puts journal and snapshots in the RocksDB database
    /// at <paramref name="path"/>; <see cref="StateBackend.Memory"/> uses Akka's in-memory journal and keeps snapshots in
    /// memory (both push snapshots to checkpoint storage when <c>actorcdc.state.checkpoints.storage</c> is set).
    /// </summary>
    public static AkkaConfigurationBuilder WithRocksDbPersistence(
        this AkkaConfigurationBuilder builder,
        string path,
        StateBackend backend = StateBackend.RocksDb,
        JournalSyncMode? sync = null,
        Action<AkkaPersistenceJournalBuilder>? journalBuilder = null,
        string pluginIdentifier = "rocksdb",
        bool isDefaultPlugin = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var snapshot = new RocksDbSnapshotOptions(isDefaultPlugin, pluginIdentifier)
        {
            Path = path,
            Local = backend == StateBackend.Memory ? LocalSnapshotStorage.Memory : LocalSnapshotStorage.RocksDb,
        };
        if (backend == StateBackend.Memory)
            return builder
                .WithInMemoryJournal(journalBuilder ?? (_ => { }), "inmem", isDefaultPlugin)
                .WithSnapshot(snapshot);
        var journal = new RocksDbJournalOptions(isDefaultPlugin, pluginIdentifier) { Path = path, Sync = sync };
        return builder.WithRocksDbPersistence(journal, snapshot, journalBuilder);
    }

    /// <summary>Registers the journal and/or the snapshot store from options; a null options object skips that plugin.</summary>
    public static AkkaConfigurationBuilder WithRocksDbPersistence(
        this AkkaConfigurationBuilder builder,
        RocksDbJournalOptions? journalOptions,
        RocksDbSnapshotOptions? snapshotOptions,
        Action<AkkaPersistenceJournalBuilder>? journalBuilder = null)
    {
        if (journalOptions is not null)
            builder = journalBuilder is null ? builder.WithJournal(journalOptions) : builder.WithJournal(journalOptions, journalBuilder);
        if (snapshotOptions is not null)
            builder = builder.WithSnapshot(snapshotOptions);
        return builder;
    }
}
