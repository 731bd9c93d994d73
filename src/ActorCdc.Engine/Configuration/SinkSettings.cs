using Akka.Configuration;

namespace ActorCdc.Engine.Configuration;

/// <summary>
/// <c>sink { type, ... }</c> of a pipeline: the kind, the settings every sink shares (how the engine groups changes
/// into writes, set per profile), and the raw block for the sink's own keys.
/// </summary>
public sealed record SinkSettings(SinkType Type, string? ConnectionString, int MaxBatchRows, TimeSpan RetryMinBackoff, TimeSpan RetryMaxBackoff, Config Raw)
{
    /// <summary>The record's members with every secret masked (settings end up in logs and error messages).</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder("SinkSettings { ");
        if (PrintMembers(text)) text.Append(' ');
        return ActorCdc.Core.Diagnostics.SecretMasker.Apply(text.Append('}').ToString());
    }

    /// <summary>Approximate bytes of changes in one write at most (<c>max-batch-bytes</c>).</summary>
    public long MaxBatchBytes { get; init; } = 64L << 20;

    /// <summary>
    /// How long a write may wait for more changes before it is sent with fewer than <see cref="MaxBatchRows"/> rows and
    /// bytes (<c>flush-interval</c>); zero sends as soon as the previous write is done.
    /// </summary>
    public TimeSpan FlushInterval { get; init; }

    internal static SinkSettings Parse(ConfigReader c)
    {
        var type = c.Enum("type", SinkType.Postgres);
        // Each sink validates its own keys when it is built; postgres needs a connection string here for the loop check.
        var conn = type == SinkType.Postgres
            ? c.String("connection-string", "a PostgreSQL connection string such as \"Host=127.0.0.1;Port=5432;Database=analytics;Username=cdc;Password=${?SINK_PASSWORD}\"")
            : null;
        return new SinkSettings(type, conn,
            c.Int("max-batch-rows", 20000, min: 1),
            c.Duration("retry.min-backoff", TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(1)),
            c.Duration("retry.max-backoff", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1)),
            c.Config)
        {
            MaxBatchBytes = c.Bytes("max-batch-bytes", 64L << 20, min: 1024),
            FlushInterval = c.Duration("flush-interval", TimeSpan.Zero),
        };
    }
}
