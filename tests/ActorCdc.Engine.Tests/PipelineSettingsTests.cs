using ActorCdc.Core.Schema;
using ActorCdc.Engine.Configuration;
using Akka.Configuration;
using Xunit;

namespace ActorCdc.Engine.Tests;

public class PipelineSettingsTests
{
    private static ActorCdcSettings Parse(string hocon) => ActorCdcSettings.Parse(ConfigurationFactory.ParseString(hocon));

    private const string Valid = """
        actorcdc.pipelines.shop {
          source { connection-string = "Host=127.0.0.1;Database=shop", tables = ["public.orders", "sales.*"] }
          sink { type = postgres, connection-string = "Host=127.0.0.1;Database=analytics" }
          routes = [{ from = "public\\.(.*)", to = "replica.$1" }]
        }
        """;

    [Fact]
    public void A_valid_pipeline_gets_defaults_for_what_it_leaves_out()
    {
        var p = Assert.Single(Parse(Valid).Pipelines);
        Assert.Equal("shop", p.Name);
        Assert.Equal("actorcdc_shop", p.Source.Slot);
        Assert.Equal("actorcdc_shop", p.Source.Publication);
        Assert.Equal(["public.orders", "sales.*"], p.Source.Tables);
        Assert.Equal(SinkType.Postgres, p.Sink.Type);
        Assert.Equal(AckOn.Applied, p.Delivery.AckOn);
    }

    [Fact]
    public void Every_data_error_policy_is_accepted_and_dead_letters_default_to_files_under_the_data_dir()
    {
        foreach (var (text, policy) in new[] { ("fail", DataErrorPolicy.Fail), ("skip", DataErrorPolicy.Skip), ("dead-letter", DataErrorPolicy.DeadLetter) })
        {
            var p = Assert.Single(Parse(Valid.Replace("routes =", $"delivery.on-data-error = {text}\n  routes =") + "\nactorcdc.state.data-dir = \"/var/lib/cdc\"").Pipelines);
            Assert.Equal(policy, p.Delivery.OnDataError);
            Assert.Equal(DeadLetterTargetType.File, p.Delivery.DeadLetter.Type);
            Assert.Equal("/var/lib/cdc/dead-letters", p.Delivery.DeadLetter.Path);
        }
    }

    [Fact]
    public void A_postgres_dead_letter_target_without_a_connection_string_is_refused_naming_the_key()
    {
        var e = Assert.Throws<SettingsException>(() => Parse(Valid.Replace("routes =", "delivery { on-data-error = dead-letter, dead-letter.type = postgres }\n  routes =")));
        Assert.Equal("actorcdc.pipelines.shop.delivery.dead-letter.connection-string", e.Key);
    }

    [Fact]
    public void Routes_map_matching_tables_and_keep_the_others()
    {
        var p = Assert.Single(Parse(Valid).Pipelines);
        Assert.Equal(new TableId("replica", "orders"), p.Routes.Target(new TableId("public", "orders")));
        Assert.Equal(new TableId("sales", "items"), p.Routes.Target(new TableId("sales", "items")));
    }

    [Theory]
    [InlineData("source { tables = [\"a\"] }\nsink { type = blackhole }", "actorcdc.pipelines.shop.source.connection-string: missing")]
    [InlineData("source { connection-string = \"x\" }\nsink { type = blackhole }", "actorcdc.pipelines.shop.source.tables: missing")]
    [InlineData("source { connection-string = \"x\", tables = [\"a\"] }\nsink { type = kafka }", "actorcdc.pipelines.shop.sink.type: 'kafka' is invalid; expected postgres | blackhole | starrocks | parquet")]
    [InlineData("source { connection-string = \"x\", tables = [\"a\"] }\nsink { type = postgres }", "actorcdc.pipelines.shop.sink.connection-string: missing")]
    [InlineData("source { connection-string = \"x\", tables = [\"a\"] }\nsink { type = blackhole }\ndelivery.ack-on = sometimes", "actorcdc.pipelines.shop.delivery.ack-on: 'sometimes' is invalid; expected applied | checkpointed")]
    [InlineData("source { connection-string = \"x\", tables = [\"a\"], heartbeat-interval = soon }\nsink { type = blackhole }", "actorcdc.pipelines.shop.source.heartbeat-interval: 'soon' is invalid")]
    [InlineData("source { connection-string = \"x\", tables = [\"a\"] }\nsink { type = blackhole }\nroutes = [{ from = \"(\", to = \"x.y\" }]", "actorcdc.pipelines.shop.routes[0].from: '(' is invalid")]
    [InlineData("source { connection-string = \"x\", tables = [\"a\"] }\nsink { type = blackhole }\nflow-control { pipeline-budget = 1MiB, table-budget = 2MiB }", "actorcdc.pipelines.shop.flow-control.table-budget")]
    public void Bad_configuration_names_the_key_and_what_was_expected(string body, string expectedStart)
    {
        var e = Assert.Throws<SettingsException>(() => Parse("actorcdc.pipelines.shop {\n" + body + "\n}"));
        Assert.StartsWith(expectedStart, e.Message);
    }

    [Fact]
    public void Two_pipelines_on_one_slot_are_refused()
    {
        var e = Assert.Throws<SettingsException>(() => Parse("""
            actorcdc.pipelines.a { source { connection-string = "x", tables = ["t"], slot = s }
              sink.type = blackhole }
            actorcdc.pipelines.b { source { connection-string = "x", tables = ["t"], slot = s }
              sink.type = blackhole }
            """));
        Assert.Equal("actorcdc.pipelines.b.source.slot", e.Key);
    }

    [Fact]
    public void Pipeline_defaults_apply_to_every_pipeline()
    {
        var s = Parse("""
            actorcdc.pipeline-defaults.source.max-batch-rows = 7
            actorcdc.pipelines.a { source { connection-string = "x", tables = ["t"] }
              sink.type = blackhole }
            """);
        Assert.Equal(7, s.Pipelines[0].Source.MaxBatchRows);
    }
}
