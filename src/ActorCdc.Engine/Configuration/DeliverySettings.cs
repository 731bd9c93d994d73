namespace ActorCdc.Engine.Configuration;

/// <summary><c>delivery { ack-on, on-data-error }</c> of a pipeline.</summary>
public sealed record DeliverySettings(AckOn AckOn, DataErrorPolicy OnDataError)
{
    internal static DeliverySettings Parse(ConfigReader c)
    {
        var ackOn = c.Enum("ack-on", AckOn.Applied);
        if (ackOn != AckOn.Applied)
            throw new SettingsException(c.Key("ack-on"), "checkpointed", "applied (ack-on = checkpointed needs checkpoint storage, which this version does not ship yet)");
        var onError = c.Enum("on-data-error", DataErrorPolicy.Fail);
        if (onError != DataErrorPolicy.Fail)
            throw new SettingsException(c.Key("on-data-error"), onError.ToString().ToLowerInvariant(), "fail (dead-letter and skip are not available in this version)");
        return new DeliverySettings(ackOn, onError);
    }
}
