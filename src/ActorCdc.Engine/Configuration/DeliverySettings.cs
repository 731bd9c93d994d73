using Akka.Configuration;

namespace ActorCdc.Engine.Configuration;

/// <summary><c>delivery { ack-on, on-data-error, dead-letter { ... } }</c> of a pipeline.</summary>
public sealed record DeliverySettings(AckOn AckOn, DataErrorPolicy OnDataError)
{
    /// <summary>Where rejected rows go under <see cref="DataErrorPolicy.DeadLetter"/>.</summary>
    public DeadLetterSettings DeadLetter { get; init; } = new(DeadLetterTargetType.File, System.IO.Path.GetFullPath("data/dead-letters"), null, "actorcdc_dead_letters");

    internal static DeliverySettings Parse(ConfigReader c, string dataDirectory)
    {
        var ackOn = c.Enum("ack-on", AckOn.Applied);
        if (ackOn != AckOn.Applied)
            throw new SettingsException(c.Key("ack-on"), "checkpointed", "applied (ack-on = checkpointed needs checkpoint storage, which this version does not ship yet)");
        var onError = c.Enum("on-data-error", DataErrorPolicy.Fail);
        var deadLetter = DeadLetterSettings.Parse(
            c.Has("dead-letter") ? c.Section("dead-letter") : new ConfigReader(Config.Empty, c.Key("dead-letter")),
            dataDirectory, required: onError == DataErrorPolicy.DeadLetter);
        return new DeliverySettings(ackOn, onError) { DeadLetter = deadLetter };
    }
}
