using ActorCdc.Core.Storage;
using ActorCdc.Persistence.RocksDb.Storage;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;

namespace ActorCdc.Persistence.RocksDb.Checkpoints;

/// <summary>
/// The ActorSystem's checkpoint storage, built once from <c>actorcdc.state.checkpoints</c>: <see cref="Store"/> is null
/// when <c>storage</c> is empty. Disposed when the system terminates.
/// </summary>
public sealed class CheckpointStorage : IExtension
{
    /// <summary>The name of the embedded resource holding the defaults.</summary>
    public const string DefaultConfigResource = "ActorCdc.Persistence.RocksDb.Checkpoints.checkpoints.conf";

    private readonly CheckpointStore? _store;

    /// <summary>Reads the settings from <paramref name="system"/>'s configuration and starts the upload worker.</summary>
    public CheckpointStorage(ExtendedActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        Settings = CheckpointStorageSettings.FromRootConfig(system.Settings.Config);
        if (Settings.Storage.Length == 0) return;
        var log = Logging.GetLogger(system, typeof(CheckpointStore));
        Action<string> warning = message => log.Warning("{0}", message);
        ObjectStore = ObjectStoreFactory.Create(Settings.Storage, Settings.S3);
        _store = new CheckpointStore(ObjectStore, Settings, warning);
        Savepoints = new SavepointStore(ObjectStore, warning);
        Segments = new JournalSegmentStore(ObjectStore);
        system.RegisterOnTermination(() =>
        {
            _store.Dispose();
            (ObjectStore as IDisposable)?.Dispose();
        });
    }

    /// <summary>Checkpoint storage of this system, or null when <c>actorcdc.state.checkpoints.storage</c> is empty.</summary>
    public ICheckpointStore? Store => _store;

    /// <summary>Savepoints in the same location, or null when there is no checkpoint storage.</summary>
    public SavepointStore? Savepoints { get; }

    /// <summary>Journal segments (ack-on = checkpointed) in the same location, or null when there is no checkpoint storage.</summary>
    public JournalSegmentStore? Segments { get; }

    /// <summary>The object store under both, or null when there is no checkpoint storage.</summary>
    public IObjectStore? ObjectStore { get; }

    /// <summary>The settings the storage was built from.</summary>
    public CheckpointStorageSettings Settings { get; }

    /// <summary>The extension of <paramref name="system"/>, created on first use.</summary>
    public static CheckpointStorage Get(ActorSystem system) => system.WithExtension<CheckpointStorage, CheckpointStorageProvider>();

    /// <summary>The defaults of <c>actorcdc.state.checkpoints</c> (the embedded <c>checkpoints.conf</c>).</summary>
    public static Config DefaultConfig() => ConfigurationFactory.FromResource<CheckpointStorage>(DefaultConfigResource);
}
