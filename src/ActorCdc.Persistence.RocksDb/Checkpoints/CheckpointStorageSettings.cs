using ActorCdc.Core.Failures;
using Akka.Configuration;

namespace ActorCdc.Persistence.RocksDb.Checkpoints;

/// <summary>
/// Settings of checkpoint storage from <c>actorcdc.state.checkpoints</c>, defaults from the embedded
/// <c>checkpoints.conf</c>. Property comments name the key under that block that sets each one.
/// </summary>
public sealed record CheckpointStorageSettings
{
    /// <summary>The record's members with every secret masked (settings end up in logs and error messages).</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder("CheckpointStorageSettings { ");
        if (PrintMembers(text)) text.Append(' ');
        return ActorCdc.Core.Diagnostics.SecretMasker.Apply(text.Append('}').ToString());
    }

    /// <summary>The HOCON block these settings are read from.</summary>
    public const string ConfigPath = "actorcdc.state.checkpoints";

    /// <summary><c>storage</c>: <c>file:///path</c>, <c>s3://bucket/prefix</c>, or empty for no checkpoint storage.</summary>
    public string Storage { get; init; } = "";

    /// <summary><c>retain</c>: snapshots kept per persistence id in storage.</summary>
    public int Retain { get; init; } = 3;

    /// <summary><c>upload.min-backoff</c>: the first retry delay after a failed upload.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary><c>upload.max-backoff</c>: the cap of the retry delay.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>upload.random-factor</c>: up to this fraction is added to each delay, so nodes do not retry in step.</summary>
    public double RandomFactor { get; init; } = 0.2;

    /// <summary><c>upload.max-queued-bytes</c>: queued payload bytes beyond which older queued snapshots of the same persistence id are superseded.</summary>
    public long MaxQueuedBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary><c>s3</c>: the block handed to <see cref="Storage.S3ObjectStoreSettings.Create"/> for <c>s3://</c> locations.</summary>
    public Config S3 { get; init; } = Config.Empty;

    /// <summary>Reads <c>actorcdc.state.checkpoints</c> from a whole configuration (an ActorSystem's), falling back to the defaults.</summary>
    public static CheckpointStorageSettings FromRootConfig(Config? root)
    {
        var defaults = CheckpointStorage.DefaultConfig().GetConfig(ConfigPath);
        var own = root is null || root.IsEmpty ? null : root.GetConfig(ConfigPath);
        return Create(own is null || own.IsEmpty ? defaults : own.WithFallback(defaults));
    }

    /// <summary>Reads a <c>checkpoints { ... }</c> block (defaults must already be in its fallback) and validates it.</summary>
    public static CheckpointStorageSettings Create(Config checkpoints)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        var d = new CheckpointStorageSettings();
        var maxQueued = checkpoints.GetByteSize("upload.max-queued-bytes") ?? d.MaxQueuedBytes;
        var settings = new CheckpointStorageSettings
        {
            Storage = (checkpoints.GetString("storage", d.Storage) ?? "").Trim(),
            Retain = checkpoints.GetInt("retain", d.Retain),
            MinBackoff = checkpoints.GetTimeSpan("upload.min-backoff", d.MinBackoff, allowInfinite: false),
            MaxBackoff = checkpoints.GetTimeSpan("upload.max-backoff", d.MaxBackoff, allowInfinite: false),
            RandomFactor = checkpoints.GetDouble("upload.random-factor", d.RandomFactor),
            MaxQueuedBytes = maxQueued,
            S3 = checkpoints.HasPath("s3") ? checkpoints.GetConfig("s3") : Config.Empty,
        };
        settings.Validate();
        return settings;
    }

    /// <summary>Throws a fatal <see cref="CdcException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (Retain < 1)
            throw CdcException.Fatal($"{ConfigPath}.retain = {Retain} must be at least 1 (the default is 3); the newest snapshot is always kept.");
        if (MinBackoff <= TimeSpan.Zero)
            throw CdcException.Fatal($"{ConfigPath}.upload.min-backoff = {MinBackoff} must be positive, e.g. 500ms.");
        if (MaxBackoff < MinBackoff)
            throw CdcException.Fatal($"{ConfigPath}.upload.max-backoff = {MaxBackoff} is below upload.min-backoff = {MinBackoff}; make it at least as large (the default is 30s).");
        if (RandomFactor is < 0 or > 1 || double.IsNaN(RandomFactor))
            throw CdcException.Fatal($"{ConfigPath}.upload.random-factor = {RandomFactor} must be between 0 and 1 (the default is 0.2).");
        if (MaxQueuedBytes < 1)
            throw CdcException.Fatal($"{ConfigPath}.upload.max-queued-bytes = {MaxQueuedBytes} must be positive, e.g. 256MiB.");
    }
}
