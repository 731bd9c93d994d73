using Akka.Actor;

namespace ActorCdc.Persistence.RocksDb.Tests.Journal;

/// <summary>A payload carrying an actor reference, as the TCK's TestPayload: proves serialization keeps the full address.</summary>
public sealed record TestPayload(IActorRef Ref);
