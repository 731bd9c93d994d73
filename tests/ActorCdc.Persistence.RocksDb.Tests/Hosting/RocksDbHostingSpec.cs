using Akka.Actor;
using Akka.Hosting;
using ActorCdc.Persistence.RocksDb.Hosting;
using ActorCdc.Persistence.RocksDb.Settings;
using ActorCdc.Persistence.RocksDb.Tests.Journal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace ActorCdc.Persistence.RocksDb.Tests.Hosting;

/// <summary>Akka.Hosting options and <c>WithRocksDbPersistence</c>: the HOCON they produce and a host that persists through it.</summary>
public sealed class RocksDbHostingSpec : IDisposable
{
    private readonly string _directory = RocksDbPluginSpec.NewDirectory();
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(10);

    public void Dispose() => RocksDbPluginSpec.DeleteDirectory(_directory);

    [Fact]
    public void Journal_options_emit_the_keys_that_are_set_over_the_reference_defaults()
    {
        var options = new RocksDbJournalOptions(isDefault: true)
        {
            Path = "/var/lib/actorcdc/state",
            Sync = JournalSyncMode.Interval,
            SyncInterval = TimeSpan.FromMilliseconds(250),
            MaxBatchBytes = 1 << 20,
        };
        var config = options.ToConfig().WithFallback(options.DefaultConfig);

        Assert.Equal("akka.persistence.journal.rocksdb", config.GetString("akka.persistence.journal.plugin"));
        var settings = RocksDbJournalSettings.Create(config.GetConfig("akka.persistence.journal.rocksdb"));
        Assert.Equal("/var/lib/actorcdc/state", settings.Store.Path);
        Assert.Equal(JournalSyncMode.Interval, settings.Sync);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.SyncInterval);
        Assert.Equal(1 << 20, settings.MaxBatchBytes);
        Assert.Equal(10_000, settings.CompactAfterDeletedEvents);
        Assert.StartsWith("ActorCdc.Persistence.RocksDb.Journal.RocksDbJournal", config.GetString("akka.persistence.journal.rocksdb.class"));
    }

    [Fact]
    public void Options_with_another_identifier_get_a_complete_plugin_block()
    {
        var journal = new RocksDbJournalOptions(isDefault: false, identifier: "state");
        var snapshot = new RocksDbSnapshotOptions(isDefault: false, identifier: "state") { Local = LocalSnapshotStorage.Memory };
        var config = journal.ToConfig().WithFallback(journal.DefaultConfig).WithFallback(snapshot.ToConfig()).WithFallback(snapshot.DefaultConfig);

        Assert.StartsWith("ActorCdc.Persistence.RocksDb.Journal.RocksDbJournal", config.GetString("akka.persistence.journal.state.class"));
        Assert.Equal("every-batch", config.GetString("akka.persistence.journal.state.sync"));
        Assert.Equal("memory", config.GetString("akka.persistence.snapshot-store.state.local"));
        Assert.False(config.HasPath("akka.persistence.journal.plugin"));
    }

    [Fact]
    public void Settings_refuse_an_unknown_sync_policy_naming_the_key_and_the_choices()
    {
        var error = Assert.Throws<Akka.Configuration.ConfigurationException>(() =>
            RocksDbJournalSettings.Create(Akka.Configuration.ConfigurationFactory.ParseString("sync = sometimes")));
        Assert.Contains("sync = 'sometimes'", error.Message);
        Assert.Contains("every-batch, interval or off", error.Message);
    }

    [Fact]
    public async Task A_host_with_WithRocksDbPersistence_persists_and_recovers_through_RocksDB()
    {
        await RunHostAsync(b => b.WithRocksDbPersistence(_directory, sync: JournalSyncMode.Interval), async system =>
        {
            Assert.Equal("interval", system.Settings.Config.GetString("akka.persistence.journal.rocksdb.sync"));
            var entity = system.ActorOf(RecordingActor.Props("hosted"));
            await entity.Ask<RecordingActor.Added>(new RecordingActor.Add("a"), _timeout);
            await entity.Ask<RecordingActor.SnapshotTaken>(new RecordingActor.TakeSnapshot(), _timeout);
            await entity.Ask<RecordingActor.Added>(new RecordingActor.Add("b"), _timeout);
        });
        Assert.True(Directory.Exists(_directory));

        await RunHostAsync(b => b.WithRocksDbPersistence(_directory), async system =>
        {
            var entity = system.ActorOf(RecordingActor.Props("hosted"));
            var state = await entity.Ask<RecordingActor.State>(new RecordingActor.GetState(), _timeout);
            Assert.Equal(new[] { "a", "b" }, state.Items);
        });
    }

    [Fact]
    public async Task A_host_with_the_memory_backend_uses_the_in_memory_journal_and_writes_nothing_locally()
    {
        await RunHostAsync(b => b.WithRocksDbPersistence(_directory, StateBackend.Memory), async system =>
        {
            Assert.Equal("akka.persistence.journal.inmem", system.Settings.Config.GetString("akka.persistence.journal.plugin"));
            Assert.Equal("memory", system.Settings.Config.GetString("akka.persistence.snapshot-store.rocksdb.local"));
            var entity = system.ActorOf(RecordingActor.Props("hosted"));
            await entity.Ask<RecordingActor.Added>(new RecordingActor.Add("a"), _timeout);
            await entity.Ask<RecordingActor.SnapshotTaken>(new RecordingActor.TakeSnapshot(), _timeout);
        });
        Assert.False(Directory.Exists(_directory));
    }

    private static async Task RunHostAsync(Action<AkkaConfigurationBuilder> configure, Func<ActorSystem, Task> body)
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("hosting-spec", builder =>
            {
                builder.AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend);
                configure(builder);
            }))
            .Build();
        await host.StartAsync();
        try
        {
            await body(host.Services.GetRequiredService<ActorSystem>());
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
