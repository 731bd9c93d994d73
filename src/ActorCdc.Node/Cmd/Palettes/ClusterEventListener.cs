using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;

namespace ActorCdc.Node.Cmd.Palettes;

/// <summary>
/// Job: feeds <c>cluster tail</c>: subscribes to membership and reachability events (the current state first, as events)
/// and writes each to a channel the command reads.
/// State: none but the channel. Supervision: a temporary top-level actor the command stops when the client cancels.
/// </summary>
public sealed class ClusterEventListener : ReceiveActor
{
    public ClusterEventListener(ChannelWriter<ClusterEvent.IClusterDomainEvent> events)
    {
        Receive<ClusterEvent.IClusterDomainEvent>(e => events.TryWrite(e));
    }

    public static Props Props(ChannelWriter<ClusterEvent.IClusterDomainEvent> events) =>
        Akka.Actor.Props.Create(() => new ClusterEventListener(events));

    protected override void PreStart() =>
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
}
