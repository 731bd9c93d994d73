using ActorCdc.Engine.Configuration;
using Akka.Configuration;

namespace ActorCdc.Node;

/// <summary>Builds the node's configuration: the user file over the shipped defaults (hocon/actorcdc.conf).</summary>
public static class NodeConfig
{
    public static Config Defaults { get; } = LoadDefaults();

    /// <summary>The user's file (if any) over the defaults; <c>${?VAR}</c> in it reads the environment.</summary>
    public static Config Load(string? userFile)
    {
        if (userFile is null) return Defaults;
        if (!File.Exists(userFile)) throw new FileNotFoundException($"--config: file '{userFile}' does not exist");
        Config user;
        var text = EnvironmentSubstitution.Apply(File.ReadAllText(userFile));
        try { user = ConfigurationFactory.ParseString(text); }
        catch (Exception e) { throw new FormatException($"--config: '{userFile}' is not valid HOCON: {e.Message}", e); }
        return user.WithFallback(Defaults);
    }

    private static Config LoadDefaults()
    {
        using var stream = typeof(NodeConfig).Assembly.GetManifestResourceStream("actorcdc.conf")
            ?? throw new InvalidOperationException("the embedded actorcdc.conf is missing from the build");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
