
using Akka.Configuration;

namespace ActorCdc.Sink.StarRocks.Tests.Support;

/// <summary>Sink settings pointed at a double, with timings shrunk so that retries and alter polling take milliseconds.</summary>
public static class SinkSetup
{
    public static string Hocon(SrDouble sr, string extra = "") => $$"""
        load-url = "{{sr.LoadUrl}}"
        jdbc-url = "{{sr.JdbcUrl}}"
        database = analytics
        username = "{{sr.User}}"
        password = "{{sr.Password}}"
        label-prefix = test
        min-load-interval = 0s
        load-timeout = 20s
        continue-timeout = 10s
        retry { min-backoff = 5ms, max-backoff = 50ms, max-attempts = 6 }
        schema-change-poll-interval = 5ms
        {{extra}}
        """;

    public static StarRocksSinkSettings Settings(SrDouble sr, string extra = "") =>
        StarRocksSinkSettings.FromConfig(ConfigurationFactory.ParseString(Hocon(sr, extra)));

    public static StarRocksSinkFactory Factory(SrDouble sr, string extra = "", string pipeline = "shop") =>
        new(pipeline, Settings(sr, extra));
}
