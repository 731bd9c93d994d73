using ActorCdc.Core.Failures;
using ActorCdc.Sink.StarRocks.Tests.Support;
using ActorCdc.StarRocksDouble;
using Akka.Configuration;
using Xunit;

namespace ActorCdc.Sink.StarRocks.Tests;

/// <summary>StarRocksSinkSettings.FromConfig reads and validates every key; the factory validates the cluster at start.</summary>
public class SettingsTests
{
    private const string Minimal = "load-url = \"fe1:8030\", database = analytics";

    private static StarRocksSinkSettings Read(string hocon) => StarRocksSinkSettings.FromConfig(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void Every_key_is_read()
    {
        var s = Read("""
            load-url = ["fe1:8030", "http://fe2:8031"]
            jdbc-url = "jdbc:mysql://fe1:9031/ignored?useSSL=false"
            database = analytics, username = loader, password = "p:w"
            label-prefix = shop_1, semantic = exactly-once
            max-batch-bytes = 64MiB, max-batch-rows = 1000, flush-interval = 2s, min-load-interval = 500ms
            load-timeout = 120s, continue-timeout = 5s, connect-timeout = 3s
            retry { min-backoff = 1s, max-backoff = 1m, max-attempts = 4 }
            schema-change = ignore, schema-change-timeout = 10m, schema-change-poll-interval = 1s
            numeric { unconstrained = string, scale = 9 }
            unrepresentable = fail
            table { buckets = 8, properties { replication_num = "1" } }
            properties { max_filter_ratio = "0.1", timezone = "UTC" }
            """);
        Assert.Equal([new Uri("http://fe1:8030"), new Uri("http://fe2:8031")], s.LoadUrls);
        Assert.Equal(("fe1", 9031), (s.MySqlHost, s.MySqlPort));
        Assert.Equal(("analytics", "loader", "p:w", "shop_1"), (s.Database, s.Username, s.Password, s.LabelPrefix));
        Assert.Equal(StarRocksSemantic.ExactlyOnce, s.Semantic);
        Assert.Equal((64L << 20, 1000), (s.MaxBatchBytes, s.MaxBatchRows));
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(500)), (s.FlushInterval, s.MinLoadInterval));
        Assert.Equal((TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(3)), (s.LoadTimeout, s.ContinueTimeout, s.ConnectTimeout));
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), 4), (s.RetryMinBackoff, s.RetryMaxBackoff, s.RetryMaxAttempts));
        Assert.Equal((SchemaChangePolicy.Ignore, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(1)), (s.SchemaChange, s.SchemaChangeTimeout, s.SchemaChangePollInterval));
        Assert.Equal((UnconstrainedNumericMapping.String, 9, UnrepresentablePolicy.Fail), (s.UnconstrainedNumeric, s.NumericScale, s.Unrepresentable));
        Assert.Equal(8, s.Buckets);
        Assert.Equal("1", s.TableProperties["replication_num"]);
        Assert.Equal("0.1", s.Properties["max_filter_ratio"]);
    }

    [Fact]
    public void Defaults_come_from_the_reference_configuration()
    {
        var s = Read("load-url = \"fe1:8030;fe2:8030\", database = analytics, mysql.port = 9131");
        Assert.Equal(2, s.LoadUrls.Count);
        Assert.Equal(("fe1", 9131), (s.MySqlHost, s.MySqlPort));
        Assert.Equal(("root", "", "actorcdc"), (s.Username, s.Password, s.LabelPrefix));
        Assert.Equal(StarRocksSemantic.AtLeastOnce, s.Semantic);
        Assert.Equal((90L << 20, 500_000), (s.MaxBatchBytes, s.MaxBatchRows));
        Assert.Equal(TimeSpan.FromSeconds(30), s.ContinueTimeout);
        Assert.Equal((SchemaChangePolicy.Evolve, UnconstrainedNumericMapping.Decimal, 18, UnrepresentablePolicy.Clamp),
            (s.SchemaChange, s.UnconstrainedNumeric, s.NumericScale, s.Unrepresentable));
    }

    [Theory]
    [InlineData("load-url = \"\", database = analytics", "sink.load-url is missing")]
    [InlineData("load-url = \"fe1:8030/path\", database = analytics", "sink.load-url = \"fe1:8030/path\" is not valid")]
    [InlineData("load-url = \"fe1:8030\"", "sink.database is missing")]
    [InlineData(Minimal + ", jdbc-url = \"mysql://fe1\"", "sink.jdbc-url = \"mysql://fe1\" is not valid")]
    [InlineData(Minimal + ", label-prefix = \"has space\"", "sink.label-prefix = \"has space\" is not valid")]
    [InlineData(Minimal + ", label-prefix = \"" + "abcdefghijklmnopqrstuvwxyz0123456789" + "\"", "sink.label-prefix")]
    [InlineData(Minimal + ", semantic = twice", "sink.semantic = \"twice\" is not valid; set it to at-least-once | exactly-once")]
    [InlineData(Minimal + ", schema-change = maybe", "set it to evolve | ignore | fail")]
    [InlineData(Minimal + ", numeric.unconstrained = float", "sink.numeric.unconstrained")]
    [InlineData(Minimal + ", numeric.scale = 39", "sink.numeric.scale = \"39\" is not valid; set it to an integer between 0 and 38")]
    [InlineData(Minimal + ", unrepresentable = drop", "clamp | null | fail")]
    [InlineData(Minimal + ", max-batch-bytes = 1", "sink.max-batch-bytes")]
    [InlineData(Minimal + ", max-batch-rows = 0", "sink.max-batch-rows")]
    [InlineData(Minimal + ", flush-interval = soon", "sink.flush-interval = \"soon\" is not valid; set it to a duration")]
    [InlineData(Minimal + ", retry { min-backoff = 1m, max-backoff = 1s }", "sink.retry.min-backoff")]
    [InlineData(Minimal + ", retry.max-attempts = 0", "sink.retry.max-attempts")]
    [InlineData(Minimal + ", username = \"a:b\"", "sink.username = \"a:b\" is not valid")]
    [InlineData(Minimal + ", properties { label = \"x\" }", "sink.properties.label = \"x\" is not valid; set it to nothing: the sink sets this Stream Load header itself")]
    [InlineData(Minimal + ", properties { columns = \"a\" }", "sink.properties.columns")]
    [InlineData(Minimal + ", table.buckets = -1", "sink.table.buckets")]
    public void A_bad_value_is_fatal_and_names_the_key_and_what_to_set(string hocon, string message)
    {
        var e = Assert.Throws<CdcException>(() => Read(hocon));
        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public async Task Validate_connects_and_checks_the_database_the_credentials_and_the_version()
    {
        await using var sr = await SrDouble.StartAsync();
        await using (var ok = SinkSetup.Factory(sr)) await ok.ValidateAsync(CancellationToken.None);

        await using (var missing = SinkSetup.Factory(sr, "database = nowhere"))
        {
            var e = await Assert.ThrowsAsync<CdcException>(() => missing.ValidateAsync(CancellationToken.None));
            Assert.Equal(FailureKind.Fatal, e.Kind);
            Assert.Contains("CREATE DATABASE `nowhere`", e.Message);
        }
        await using (var wrong = SinkSetup.Factory(sr, "password = wrong"))
        {
            var e = await Assert.ThrowsAsync<CdcException>(() => wrong.ValidateAsync(CancellationToken.None));
            Assert.Equal(FailureKind.Fatal, e.Kind);
            Assert.Contains("fix sink.username and sink.password", e.Message);
        }
        await using (var down = SinkSetup.Factory(sr, $"jdbc-url = \"jdbc:mysql://127.0.0.1:{ActorCdc.Testing.FreePort.Next()}\"\nconnect-timeout = 2s"))
        {
            var e = await Assert.ThrowsAsync<CdcException>(() => down.ValidateAsync(CancellationToken.None));
            Assert.Equal(FailureKind.Transient, e.Kind);
            Assert.Contains("sink.jdbc-url", e.Message);
        }

        await using var old = await SrDouble.StartAsync(new StarRocksDoubleOptions { Version = "2.3.1-abc" });
        await using var exactly = SinkSetup.Factory(old, "semantic = exactly-once");
        var tooOld = await Assert.ThrowsAsync<CdcException>(() => exactly.ValidateAsync(CancellationToken.None));
        Assert.Contains("sink.semantic = at-least-once", tooOld.Message);
    }

    [Fact]
    public async Task Routes_that_keep_the_schema_load_into_the_configured_database_and_others_name_theirs()
    {
        await using var factory = new StarRocksSinkFactory("shop", Read(Minimal));
        Assert.Equal(("analytics", "orders"), factory.Locate(Core.Schema.TableId.Parse("public.orders"), Core.Schema.TableId.Parse("public.orders")));
        Assert.Equal(("mart", "orders_v2"), factory.Locate(Core.Schema.TableId.Parse("public.orders"), Core.Schema.TableId.Parse("mart.orders_v2")));
        Assert.IsType<StarRocksTableSink>(factory.CreateTableSink(Core.Schema.TableId.Parse("public.orders"), Core.Schema.TableId.Parse("public.orders")));
        await using var exactly = new StarRocksSinkFactory("shop", Read(Minimal + ", semantic = exactly-once"));
        Assert.IsAssignableFrom<Core.Sinks.ICheckpointParticipant>(exactly.CreateTableSink(Core.Schema.TableId.Parse("public.orders"), Core.Schema.TableId.Parse("public.orders")));
    }
}
