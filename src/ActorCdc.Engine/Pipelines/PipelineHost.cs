using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Tables;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorCdc.Engine.Pipelines;

/// <summary>Starts the engine on an actor system: the "table" shard region and the pipelines guardian.</summary>
public static class PipelineHost
{
    public const string TableRegion = "table";

    /// <summary>Shards of the table region; fixed for the life of a cluster's data.</summary>
    public const int MaxShards = 100;

    public static async Task<IActorRef> StartAsync(ActorSystem system, PipelineRegistry registry)
    {
        var sharding = ClusterSharding.Get(system);
        var settings = ClusterShardingSettings.Create(system);
        // Entities hand off with a final snapshot that checkpoint storage holds before they stop (DESIGN.md §3.6).
        var region = await sharding.StartAsync(
            TableRegion,
            entityId => TableEntity.Props(entityId, registry),
            settings,
            new TableMessageExtractor(MaxShards),
            sharding.DefaultShardAllocationStrategy(settings),
            HandOff.Instance).ConfigureAwait(false);
        return system.ActorOf(PipelinesGuardian.Props(registry, region), PipelinesGuardian.Name);
    }
}
