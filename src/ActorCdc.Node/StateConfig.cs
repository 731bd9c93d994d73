using ActorCdc.Engine.Configuration;
using ActorCdc.Persistence.RocksDb;
using ActorCdc.Persistence.RocksDb.Hosting;
using Akka.Configuration;

namespace ActorCdc.Node;

/// <summary>
/// The Akka.Persistence plugins and checkpoint storage the node's <c>actorcdc.state</c> block selects:
/// <see cref="Overrides"/> go in front of the user's configuration (they are derived from it), <see cref="Fallback"/>
/// behind it, so the user can still tune any plugin key (e.g. <c>akka.persistence.journal.rocksdb.sync</c>).
/// </summary>
public static class StateConfig
{
    public static Config Overrides(StateSettings state)
    {
        var path = state.RocksDbPath.Replace("\\", "/");
        var memory = state.Backend == StateBackend.Memory;
        return ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.plugin = "{{(memory ? "akka.persistence.journal.inmem" : "akka.persistence.journal.rocksdb")}}"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.rocksdb"
            akka.persistence.snapshot-store.rocksdb.local = {{(memory ? "memory" : "rocksdb")}}
            akka.persistence.journal.rocksdb.path = "{{path}}"
            akka.persistence.snapshot-store.rocksdb.path = "{{path}}"
            actorcdc.state.checkpoints.storage = "{{state.CheckpointStorage}}"
            """);
    }

    public static Config Fallback(StateSettings state) => RocksDbPersistence.StateBackendConfig(state.Backend);
}
