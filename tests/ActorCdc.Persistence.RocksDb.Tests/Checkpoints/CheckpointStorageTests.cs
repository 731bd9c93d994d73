using ActorCdc.Core.Failures;
using ActorCdc.Core.Storage;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using ActorCdc.Persistence.RocksDb.Storage;
using ActorCdc.Testing;
using Akka.Actor;
using Akka.Configuration;
using Xunit;
using static ActorCdc.Persistence.RocksDb.Tests.Checkpoints.CheckpointTestSupport;

namespace ActorCdc.Persistence.RocksDb.Tests.Checkpoints;

public sealed class CheckpointStorageTests(S3Fixture fixture) : IClassFixture<S3Fixture>, IDisposable
{
    private readonly string _dir = TempDirectory("cpx");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Without_storage_configured_the_store_is_null()
    {
        using var absent = ActorSystem.Create("absent", "akka.loglevel = WARNING");
        using var empty = ActorSystem.Create("empty", "actorcdc.state.checkpoints.storage = \"\"");

        Assert.Null(CheckpointStorage.Get(absent).Store);
        Assert.Null(CheckpointStorage.Get(empty).Savepoints);
        Assert.Equal(3, CheckpointStorage.Get(absent).Settings.Retain);
        await Task.WhenAll(absent.Terminate(), empty.Terminate());
    }

    [Fact]
    public async Task A_file_location_builds_a_working_store_with_the_configured_settings()
    {
        using var system = ActorSystem.Create("files", $$"""
            actorcdc.state.checkpoints {
              storage = "file://{{_dir}}"
              retain = 1
              upload { min-backoff = 10ms, max-backoff = 100ms, max-queued-bytes = 1MiB }
            }
            """);
        var storage = CheckpointStorage.Get(system);

        Assert.Same(storage, CheckpointStorage.Get(system));
        Assert.Equal("file://" + _dir, storage.Store!.Location);
        Assert.IsType<FileObjectStore>(storage.ObjectStore);
        Assert.Equal(new CheckpointStorageSettings
        {
            Storage = "file://" + _dir,
            Retain = 1,
            MinBackoff = TimeSpan.FromMilliseconds(10),
            MaxBackoff = TimeSpan.FromMilliseconds(100),
            MaxQueuedBytes = 1024 * 1024,
            S3 = storage.Settings.S3,
        }, storage.Settings);

        storage.Store.EnqueueSnapshot(SnapshotOf("p", 1));
        storage.Store.EnqueueSnapshot(SnapshotOf("p", 2));
        await storage.Store.FlushAsync("p", Timeout());
        Assert.Single(Directory.GetFiles(Path.Combine(_dir, "snapshots", "p")));
        await system.Terminate();
        Assert.Throws<ObjectDisposedException>(() => storage.Store.EnqueueSnapshot(SnapshotOf("p", 3)));
    }

    [Fact]
    public async Task An_s3_location_builds_an_s3_store_from_the_s3_block()
    {
        var server = fixture.Server;
        var prefix = S3Fixture.NewPrefix();
        using var system = ActorSystem.Create("s3", $$"""
            actorcdc.state.checkpoints {
              storage = "s3://{{server.Bucket}}/{{prefix}}/checkpoints"
              s3 {{server.SettingsHocon}}
            }
            """);
        var storage = CheckpointStorage.Get(system);

        var s3 = Assert.IsType<S3ObjectStore>(storage.ObjectStore);
        Assert.Equal(server.Bucket, s3.Bucket);
        Assert.Equal($"{prefix}/checkpoints", s3.Prefix);
        storage.Store!.EnqueueSnapshot(SnapshotOf("p", 1));
        await storage.Store.FlushAsync("p", Timeout());
        Assert.NotNull(server.ReadStoredObject($"{prefix}/checkpoints/snapshots/p/{1:D20}-{SnapshotOf("p", 1).TimestampUtc.Ticks:D19}.snap"));
        await system.Terminate();
    }

    [Theory]
    [InlineData("/var/lib/actorcdc", "the scheme must be file:// or s3://")]
    [InlineData("file://relative/dir", "absolute directory")]
    [InlineData("s3://", "not a valid bucket name")]
    [InlineData("s3://Bad_Bucket/x", "not a valid bucket name")]
    [InlineData("hdfs://namenode/x", "the scheme must be file:// or s3://")]
    public void A_malformed_location_names_the_key_and_the_expected_forms(string uri, string why)
    {
        var e = Assert.Throws<CdcException>(() => ObjectStoreFactory.Create(uri, null));

        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains($"actorcdc.state.checkpoints.storage = \"{uri}\"", e.Message);
        Assert.Contains(why, e.Message);
        Assert.Contains("\"file:///absolute/path\"", e.Message);
        Assert.Contains("\"s3://bucket/prefix\"", e.Message);
    }

    [Fact]
    public void A_malformed_location_fails_the_extension_at_start()
    {
        using var system = ActorSystem.Create("bad", "actorcdc.state.checkpoints.storage = \"ftp://x\"");

        var e = Assert.ThrowsAny<Exception>(() => CheckpointStorage.Get(system));

        Assert.Contains("actorcdc.state.checkpoints.storage", (e as CdcException ?? e.InnerException as CdcException)?.Message ?? e.ToString());
    }

    [Theory]
    [InlineData("retain = 0", "actorcdc.state.checkpoints.retain = 0")]
    [InlineData("upload.max-backoff = 1ms", "actorcdc.state.checkpoints.upload.max-backoff")]
    [InlineData("s3.use-chunk-encoding = on, s3.access-key = x", "actorcdc.state.checkpoints.s3.access-key and actorcdc.state.checkpoints.s3.secret-key must be set together")]
    [InlineData("s3.request-checksum = always", "actorcdc.state.checkpoints.s3.request-checksum = \"always\"")]
    public void Bad_settings_fail_with_the_key_and_what_is_expected(string hocon, string expected)
    {
        var config = ConfigurationFactory.ParseString($"actorcdc.state.checkpoints {{ storage = \"s3://bucket/p\", {hocon} }}");

        var e = Assert.Throws<CdcException>(() =>
        {
            var settings = CheckpointStorageSettings.FromRootConfig(config);
            using var store = ObjectStoreFactory.Create(settings.Storage, settings.S3) as IDisposable;
        });

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void S3_settings_default_to_the_compatible_choices()
    {
        var settings = CheckpointStorageSettings.FromRootConfig(ConfigurationFactory.Empty);
        var s3 = S3ObjectStoreSettings.Create(settings.S3);

        Assert.Equal("", settings.Storage);
        Assert.Equal(256L * 1024 * 1024, settings.MaxQueuedBytes);
        Assert.False(s3.UseChunkEncoding);
        Assert.Equal(Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED, s3.RequestChecksum);
        Assert.Equal("us-east-1", s3.Region);
        Assert.Equal(TimeSpan.FromSeconds(60), s3.RequestTimeout);
    }
}
