using Akka.Actor;

namespace ActorCdc.Persistence.RocksDb.Checkpoints;

/// <summary>Creates the <see cref="CheckpointStorage"/> extension of an ActorSystem.</summary>
public sealed class CheckpointStorageProvider : ExtensionIdProvider<CheckpointStorage>
{
    /// <inheritdoc />
    public override CheckpointStorage CreateExtension(ExtendedActorSystem system) => new(system);
}
