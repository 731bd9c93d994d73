using Akka.Actor;

namespace ActorCdc.Persistence.RocksDb;

/// <summary>Creates the <see cref="RocksDbPersistence"/> extension of an actor system.</summary>
public sealed class RocksDbPersistenceProvider : ExtensionIdProvider<RocksDbPersistence>
{
    public override RocksDbPersistence CreateExtension(ExtendedActorSystem system) => new(system);
}
