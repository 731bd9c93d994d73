namespace ActorCdc.Engine.Configuration;

/// <summary>
/// <c>delivery { ack-on, on-data-error, max-resident-bytes }</c> of a pipeline. <see cref="MaxResidentBytes"/> bounds,
/// per table and with <c>ack-on = checkpointed</c>, the checkpointed-but-unapplied batches kept in memory; the rest are
/// read back from the journal segments in checkpoint storage when the sink takes them.
/// </summary>
public sealed record DeliverySettings(AckOn AckOn, DataErrorPolicy OnDataError)
{
    /// <summary>Per table: bytes of checkpointed-but-unapplied batches kept in memory (ack-on = checkpointed).</summary>
    public long MaxResidentBytes { get; init; } = 16L << 20;

    internal static DeliverySettings Parse(ConfigReader c)
    {
        var ackOn = c.Enum("ack-on", AckOn.Applied);
        var onError = c.Enum("on-data-error", DataErrorPolicy.Fail);
        if (onError != DataErrorPolicy.Fail)
            throw new SettingsException(c.Key("on-data-error"), onError.ToString().ToLowerInvariant(), "fail (dead-letter and skip are not available in this version)");
        return new DeliverySettings(ackOn, onError) { MaxResidentBytes = c.Bytes("max-resident-bytes", 16L << 20, min: 1 << 16) };
    }
}
