using ActorCdc.Core.Serialization;
using ActorCdc.Engine.Serialization;
using Akka.Configuration;

namespace ActorCdc.Engine;

/// <summary>
/// The Akka settings the engine relies on: strict binary serialization, sharding state in distributed data
/// (DESIGN.md §3.7), entities never passivated while they may hold unapplied changes, in-memory persistence until the
/// RocksDB plugin lands.
/// </summary>
public static class EngineConfig
{
    public static Config Akka { get; } = ConfigurationFactory.ParseString("""
        akka {
          actor {
            provider = cluster
            serialization-settings.allow-unregistered-types = off
          }
          cluster {
            sharding {
              state-store-mode = ddata
              remember-entities = off
              passivate-idle-entity-after = off
              least-shard-allocation-strategy.rebalance-absolute-limit = 20
            }
            distributed-data.durable.keys = []
            downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
            split-brain-resolver.active-strategy = keep-majority
          }
          persistence {
            journal.plugin = "akka.persistence.journal.inmem"
            snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
          }
        }
        """).WithFallback(EngineSerializer.Config).WithFallback(CoreSerializer.Config);
}
