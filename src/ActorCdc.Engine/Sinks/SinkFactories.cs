using ActorCdc.Core.Sinks;
using ActorCdc.Engine.Configuration;
using ActorCdc.Persistence.RocksDb.Storage;
using ActorCdc.Sink.Files;
using ActorCdc.Sink.Postgres;
using ActorCdc.Sink.StarRocks;

namespace ActorCdc.Engine.Sinks;

/// <summary>Builds a pipeline's sink from its <c>sink { type, ... }</c> block; each sink validates its own keys.</summary>
public static class SinkFactories
{
    public static ISinkFactory Create(PipelineSettings p)
    {
        var raw = p.Sink.Raw;
        return p.Sink.Type switch
        {
            SinkType.Blackhole => new BlackholeSinkFactory(),
            SinkType.Postgres => new PostgresSinkFactory(p.Name, PostgresSinkSettings.FromConfig(raw)),
            SinkType.Starrocks => new StarRocksSinkFactory(p.Name, StarRocksSinkSettings.FromConfig(raw)),
            SinkType.Parquet => CreateParquet(p.Name, raw),
            _ => throw new SettingsException($"actorcdc.pipelines.{p.Name}.sink.type", p.Sink.Type.ToString(), "postgres | starrocks | parquet | blackhole"),
        };
    }

    private static ParquetSinkFactory CreateParquet(string pipeline, Akka.Configuration.Config raw)
    {
        var settings = ParquetSinkSettings.FromConfig(raw);
        var store = ObjectStoreFactory.Create(settings.Path, raw.HasPath("s3") ? raw.GetConfig("s3") : null, "sink.path");
        return new ParquetSinkFactory(pipeline, settings, store);
    }
}
