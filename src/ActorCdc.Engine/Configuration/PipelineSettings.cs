using ActorCdc.Source.Postgres;
using Akka.Configuration;

namespace ActorCdc.Engine.Configuration;

/// <summary>One pipeline: a source database, its publication and slot, the captured tables, one sink, routes.</summary>
public sealed record PipelineSettings(
    string Name,
    PostgresSourceSettings Source,
    SinkSettings Sink,
    Routes Routes,
    DeliverySettings Delivery,
    FlowControlSettings FlowControl,
    RetrySettings SlotInUseRetry,
    RetrySettings SourceRetry,
    CheckpointSettings Checkpoints,
    SnapshotSettings Snapshot,
    ProfileMode ProfileMode,
    TimeSpan TableDiscoveryInterval)
{
    /// <summary>The record's members with every secret masked (settings end up in logs and error messages).</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder("PipelineSettings { ");
        if (PrintMembers(text)) text.Append(' ');
        return ActorCdc.Core.Diagnostics.SecretMasker.Apply(text.Append('}').ToString());
    }

    /// <summary>The profile these settings were resolved for; null when read without profiles.</summary>
    public Profile? Profile { get; init; }

    private PipelineSettings? _backfill;
    private PipelineSettings? _steady;

    /// <summary>These settings under <paramref name="profile"/> (hocon/profiles), or these when read without profiles.</summary>
    public PipelineSettings For(Profile profile) => (profile == Configuration.Profile.Backfill ? _backfill : _steady) ?? this;

    /// <summary>
    /// Reads <c>actorcdc.pipelines.&lt;name&gt;</c> with both profiles resolved: the pipeline's own
    /// <c>profiles.&lt;profile&gt;</c> block, then the pipeline block, then the shipped profile, then
    /// <c>actorcdc.pipeline-defaults</c>. The returned settings are the steady ones.
    /// </summary>
    public static PipelineSettings ParseWithProfiles(string name, Config pipeline, Config defaults, string? dataDirectory = null)
    {
        var backfill = Parse(name, pipeline, defaults, Configuration.Profile.Backfill, dataDirectory);
        var steady = Parse(name, pipeline, defaults, Configuration.Profile.Steady, dataDirectory);
        backfill._backfill = steady._backfill = backfill;
        backfill._steady = steady._steady = steady;
        return steady;
    }

    /// <summary>
    /// Reads <c>actorcdc.pipelines.&lt;name&gt;</c> over <c>actorcdc.pipeline-defaults</c>, under one profile or none;
    /// relative paths (dead letters) are under <paramref name="dataDirectory"/> (default: ./data).
    /// </summary>
    public static PipelineSettings Parse(string name, Config pipeline, Config defaults, Profile? profile = null, string? dataDirectory = null)
    {
        var path = $"actorcdc.pipelines.{name}";
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z][a-z0-9_]{0,40}$"))
            throw new SettingsException(path, name, "a pipeline name of lower-case letters, digits and _ (it names the slot and the publication)");
        var merged = pipeline.WithFallback(defaults);
        if (profile is { } p)
        {
            var key = p == Configuration.Profile.Backfill ? "backfill" : "steady";
            var own = pipeline.HasPath("profiles." + key) ? pipeline.GetConfig("profiles." + key) : Config.Empty;
            merged = own.WithFallback(pipeline).WithFallback(ProfileDefaults.For(p)).WithFallback(defaults);
        }
        var c = new ConfigReader(merged, path);
        var src = c.Section("source");
        var type = src.String("type", "postgres", "postgres");
        if (type != "postgres") throw new SettingsException(src.Key("type"), type, "postgres");
        var tables = src.StringList("tables");
        if (tables.Count == 0) throw new SettingsException(src.Key("tables"), null, "a non-empty list of tables or patterns such as [\"public.orders\", \"sales.*\"]");
        var source = new PostgresSourceSettings
        {
            ConnectionString = src.String("connection-string", "a PostgreSQL connection string such as \"Host=127.0.0.1;Port=5432;Database=shop;Username=cdc;Password=${?PGPASSWORD}\""),
            Slot = src.String("slot", $"actorcdc_{name}", "a replication slot name"),
            Publication = src.String("publication", $"actorcdc_{name}", "a publication name"),
            Tables = tables,
            CreateSlot = src.Bool("create-slot", true),
            CreatePublication = src.Bool("create-publication", true),
            HeartbeatInterval = src.Duration("heartbeat-interval", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100)),
            MaxBatchRows = src.Int("max-batch-rows", 1000, min: 1),
            StreamingMemoryBudgetBytes = src.Bytes("streaming-memory-budget", 64L << 20, min: 1 << 16),
            SpillDirectory = src.String("spill-directory", Path.GetTempPath(), "a writable directory"),
            StatusInterval = src.Duration("status-interval", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100)),
        };
        var defaultRetry = new RetrySettings(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), 0.2, 0);
        return new PipelineSettings(
            name,
            source,
            SinkSettings.Parse(c.Section("sink")),
            Routes.Parse(c),
            DeliverySettings.Parse(c.Has("delivery") ? c.Section("delivery") : new ConfigReader(Config.Empty, c.Key("delivery")),
                dataDirectory ?? Path.GetFullPath("data")),
            FlowControlSettings.Parse(c.Has("flow-control") ? c.Section("flow-control") : new ConfigReader(Config.Empty, c.Key("flow-control"))),
            RetrySettings.Parse(src.Has("slot-in-use") ? src.Section("slot-in-use") : new ConfigReader(Config.Empty, src.Key("slot-in-use")),
                new RetrySettings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), 0.2, 10)),
            RetrySettings.Parse(src.Has("retry") ? src.Section("retry") : new ConfigReader(Config.Empty, src.Key("retry")), defaultRetry),
            CheckpointSettings.Parse(c.Has("checkpoints") ? c.Section("checkpoints") : new ConfigReader(Config.Empty, c.Key("checkpoints"))),
            SnapshotSettings.Parse(c.Has("snapshot") ? c.Section("snapshot") : new ConfigReader(Config.Empty, c.Key("snapshot"))),
            c.Enum("profile", ProfileMode.Auto),
            src.Duration("table-discovery-interval", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100)))
        {
            Profile = profile,
        };
    }
}
