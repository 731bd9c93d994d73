using System.Runtime.CompilerServices;
using Akka.Actor;
using ActorCdc.Persistence.RocksDb.Checkpoints;

namespace ActorCdc.Persistence.RocksDb.Snapshot;

/// <summary>Finds the checkpoint storage the snapshot store pushes to: the node's, or one a test put in place.</summary>
internal static class CheckpointStoreLink
{
    private static readonly ConditionalWeakTable<ActorSystem, ICheckpointStore> Overrides = new();

    /// <summary>Makes <paramref name="system"/>'s snapshot stores use <paramref name="store"/> (before they start).</summary>
    internal static void Use(ActorSystem system, ICheckpointStore store) => Overrides.AddOrUpdate(system, store);

    public static ICheckpointStore? Resolve(ActorSystem system)
    {
        if (Overrides.TryGetValue(system, out var store)) return store;
        return CheckpointStorage.Get(system).Store;
    }
}
