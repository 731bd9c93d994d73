using ActorCdc.Core.Storage;
using ActorCdc.Persistence.RocksDb.Storage;
using ActorCdc.Sink.Files.Tests.Support;
using ActorCdc.Testing;
using Akka.Configuration;
using Xunit;
using static ActorCdc.Sink.Files.Tests.Support.Rows;

namespace ActorCdc.Sink.Files.Tests;

/// <summary>The same two-phase protocol over S3 (s3rver), which has no rename and whose CopyObject is unusable: put and delete only.</summary>
public sealed class S3StoreTests(S3Fixture fixture) : IClassFixture<S3Fixture>
{
    private static readonly Core.Schema.TableSchema Orders = Schema("public.orders",
        Column("id", Int8, "bigint", key: true),
        Column("at", TimestampTz, "timestamp with time zone"));

    [Fact]
    public async Task Files_are_staged_then_published_and_recovered_in_an_s3_bucket()
    {
        var path = $"s3://{fixture.Server.Bucket}/{S3Fixture.NewPrefix()}/lake";
        var settings = ParquetSinkSettings.FromConfig(ConfigurationFactory.ParseString($"path = \"{path}\", local-dir = \"{Path.GetTempPath()}\""));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ct = cts.Token;
        var store = ObjectStoreFactory.Create(settings.Path, ConfigurationFactory.ParseString(fixture.Server.SettingsHocon), "sink.path");
        try
        {
            var commitDay = new Func<Core.Positions.Lsn, DateTime?>(lsn => new DateTime(2024, 5, (int)(lsn.Value / 16 % 2) + 1, 12, 0, 0, DateTimeKind.Utc));
            var time = new ManualTime(SinkHarness.Day1);
            await using (var factory = new ParquetSinkFactory("shop", settings, store, time, commitDay))
            {
                await factory.ValidateAsync(ct);
                var sink = (ParquetTableSink)factory.CreateTableSink(Orders.Table, Orders.Table);
                await sink.ApplyAsync(Orders, [Insert(At(1), "1", "2024-05-02 12:00:00+00"), Insert(At(2), "2", "2024-05-01 12:00:00+00")], At(2), ct);
                var token = await sink.PrepareAsync(At(2), ct);
                await sink.ApplyAsync(Orders, [Insert(At(3), "3", "2024-05-02 12:00:01+00")], At(3), ct);
                await sink.PrepareAsync(At(3), ct);
                Assert.Empty(await PublishedAsync(store, settings, ct));

                // A new instance recovers from the first checkpoint: its two files appear, the second checkpoint's goes.
                await using var next = new ParquetSinkFactory("shop", settings, store, time, commitDay);
                var recovered = (ParquetTableSink)next.CreateTableSink(Orders.Table, Orders.Table);
                await recovered.RecoverAsync(token, ct);
                Assert.Empty(await store.ListAsync(settings.StagingPrefix + "/", ct));
                var published = await PublishedAsync(store, settings, ct);
                Assert.Equal(2, published.Count);
                Assert.StartsWith("public.orders/dt=2024-05-01/part-", published[0]);
                Assert.StartsWith("public.orders/dt=2024-05-02/part-", published[1]);

                await recovered.ApplyAsync(Orders, [Insert(At(2), "2", "2024-05-01 12:00:00+00"), Insert(At(3), "3", "2024-05-02 12:00:01+00")], At(3), ct);
                await recovered.CommitAsync(await recovered.PrepareAsync(At(3), ct), ct);
                var ids = new List<long>();
                foreach (var key in await PublishedAsync(store, settings, ct))
                {
                    var file = await ParquetReadBack.ReadAsync(key, (await store.GetAsync(key, ct))!);
                    ids.AddRange(file.Rows.Select(r => (long)r["id"]!));
                }
                Assert.Equal([1L, 2, 3], ids.Order());
            }
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    private static async Task<List<string>> PublishedAsync(IObjectStore store, ParquetSinkSettings settings, CancellationToken ct) =>
        (await store.ListAsync("", ct)).Select(o => o.Key).Where(k => !k.StartsWith(settings.StagingPrefix + "/", StringComparison.Ordinal)).ToList();
}
