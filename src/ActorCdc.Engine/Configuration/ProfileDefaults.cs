using Akka.Configuration;

namespace ActorCdc.Engine.Configuration;

/// <summary>The shipped profiles, hocon/profiles/backfill.conf and steady.conf, embedded in this assembly.</summary>
public static class ProfileDefaults
{
    private static readonly Config Backfill = Load("backfill.conf");
    private static readonly Config Steady = Load("steady.conf");

    public static Config For(Profile profile) => profile == Profile.Backfill ? Backfill : Steady;

    private static Config Load(string name)
    {
        using var stream = typeof(ProfileDefaults).Assembly.GetManifestResourceStream("profiles." + name)
            ?? throw new InvalidOperationException($"the embedded profile {name} is missing from the build");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
