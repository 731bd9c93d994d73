using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Xunit.Abstractions;

namespace ActorCdc.Persistence.RocksDb.Tests.Journal;

/// <summary>
/// Base of the plugin specs (the TCK's PluginSpec, re-implemented): an actor system whose journal and snapshot store
/// use a RocksDB database in a fresh temporary directory, deleted after the test; a unique persistence id per test.
/// </summary>
public abstract class RocksDbPluginSpec : Akka.TestKit.Xunit2.TestKit
{
    private static int _pidCounter;

    protected RocksDbPluginSpec(ITestOutputHelper output, string? hocon = null)
        : this(NewDirectory(), output, hocon)
    {
    }

    private RocksDbPluginSpec(string directory, ITestOutputHelper output, string? hocon)
        : base(SpecConfig(directory, hocon), null, output)
    {
        DatabasePath = directory;
        Pid = "p-" + Interlocked.Increment(ref _pidCounter);
        WriterGuid = Guid.NewGuid().ToString();
    }

    protected string DatabasePath { get; }

    protected string Pid { get; }

    protected string WriterGuid { get; }

    protected static int ActorInstanceId => 1;

    protected PersistenceExtension Extension => Akka.Persistence.Persistence.Instance.Apply(Sys);

    protected IActorRef Journal => Extension.JournalFor(null);

    protected IActorRef SnapshotStore => Extension.SnapshotStoreFor(null);

    protected void Subscribe<T>(IActorRef subscriber) => Sys.EventStream.Subscribe(subscriber, typeof(T));

    public static string NewDirectory() =>
        Path.Combine(Path.GetTempPath(), "actorcdc-rocksdb-tests", Guid.NewGuid().ToString("N"));

    /// <summary>The plugin configuration of a system on <paramref name="directory"/>; <paramref name="hocon"/> overrides it.</summary>
    public static Config SpecConfig(string directory, string? hocon = null)
    {
        var assembly = typeof(RocksDbPluginSpec).Assembly.GetName().Name;
        var ns = typeof(RocksDbPluginSpec).Namespace;
        return ConfigurationFactory.ParseString(hocon ?? "").WithFallback(ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            akka.persistence.publish-plugin-commands = on
            akka.persistence.journal.plugin = "akka.persistence.journal.rocksdb"
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.rocksdb"
            akka.persistence.journal.rocksdb.path = "{{directory}}"
            akka.persistence.snapshot-store.rocksdb.path = "{{directory}}"
            akka.actor {
              serializers {
                rocksdb-test = "{{ns}}.TestPayloadSerializer, {{assembly}}"
                rocksdb-failing = "{{ns}}.FailingSerializer, {{assembly}}"
              }
              serialization-bindings {
                "{{ns}}.TestPayload, {{assembly}}" = rocksdb-test
                "{{ns}}.UnserializableEvent, {{assembly}}" = rocksdb-failing
              }
            }
            """)).WithFallback(RocksDbPersistence.DefaultConfig());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) DeleteDirectory(DatabasePath);
    }

    /// <summary>Deletes a test database once nothing holds it open (a replay or compaction may outlive its system).</summary>
    public static void DeleteDirectory(string directory)
    {
        SpinWait.SpinUntil(() => !RocksDbStore.IsOpen(directory), TimeSpan.FromSeconds(10));
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Still in use after the deadline: a leftover temporary directory is not worth failing a test.
        }
    }
}
