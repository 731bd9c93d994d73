using ActorCdc.Engine.Configuration;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using ActorCdc.Persistence.RocksDb.Storage;
using Akka.Configuration;

namespace ActorCdc.Node;

/// <summary><c>--list-savepoints</c>: a pipeline's savepoints in checkpoint storage, newest first.</summary>
public static class SavepointCommands
{
    public static async Task<int> ListAsync(Config config, ActorCdcSettings settings, string pipeline)
    {
        var s3 = config.HasPath("actorcdc.state.checkpoints.s3") ? config.GetConfig("actorcdc.state.checkpoints.s3") : null;
        var store = new SavepointStore(ObjectStoreFactory.Create(settings.State.CheckpointStorage, s3));
        var list = await store.ListAsync(pipeline, CancellationToken.None);
        if (list.Count == 0)
        {
            Console.WriteLine($"no savepoints of pipeline {pipeline} in {store.Location}");
            return 0;
        }
        foreach (var m in list)
            Console.WriteLine($"{m.Pipeline}/{m.SavepointId}  {m.CreatedUtc:yyyy-MM-dd HH:mm:ss}Z  {m.Entries.Count} entities");
        return 0;
    }
}
