namespace ActorCdc.Engine.Configuration;

/// <summary>The kinds of sink a pipeline can write to.</summary>
public enum SinkType
{
    Postgres,
    Blackhole,
    Starrocks,
    Parquet,
}
