using ActorCdc.Engine.Protocol;
using Akka.Cluster.Sharding;

namespace ActorCdc.Engine.Tables;

/// <summary>Routes table messages to shards by entity id. Never change the shard count while a cluster's data lives.</summary>
public sealed class TableMessageExtractor(int maxShards) : HashCodeMessageExtractor(maxShards)
{
    public override string? EntityId(object message) => message switch
    {
        ITableEntityMessage m => m.EntityId,
        _ => null,
    };
}
