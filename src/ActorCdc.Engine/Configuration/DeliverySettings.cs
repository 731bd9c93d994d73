using Akka.Configuration;

namespace ActorCdc.Engine.Configuration;

/// <summary>
/// <c>delivery { ack-on, on-data-error, dead-letter { ... }, max-resident-bytes }</c> of a pipeline.
/// <see cref="MaxResidentBytes"/> bounds, per table and with <c>ack-on = checkpointed</c>, the checkpointed-but-unapplied
/// batches kept in memory; the rest are read back from the journal segments in checkpoint storage when the sink takes them.
/// </summary>
public sealed record DeliverySettings(AckOn AckOn, DataErrorPolicy OnDataError)
{
    /// <summary>Where rejected rows go under <see cref="DataErrorPolicy.DeadLetter"/>.</summary>
    public DeadLetterSettings DeadLetter { get; init; } = new(DeadLetterTargetType.File, System.IO.Path.GetFullPath("data/dead-letters"), null, "actorcdc_dead_letters");

    /// <summary>Per table: bytes of checkpointed-but-unapplied batches kept in memory (ack-on = checkpointed).</summary>
    public long MaxResidentBytes { get; init; } = 16L << 20;

    internal static DeliverySettings Parse(ConfigReader c, string dataDirectory)
    {
        var ackOn = c.Enum("ack-on", AckOn.Applied);
        var onError = c.Enum("on-data-error", DataErrorPolicy.Fail);
        var deadLetter = DeadLetterSettings.Parse(
            c.Has("dead-letter") ? c.Section("dead-letter") : new ConfigReader(Config.Empty, c.Key("dead-letter")),
            dataDirectory, required: onError == DataErrorPolicy.DeadLetter);
        return new DeliverySettings(ackOn, onError) { DeadLetter = deadLetter, MaxResidentBytes = c.Bytes("max-resident-bytes", 16L << 20, min: 1 << 16) };
    }
}
