using ActorCdc.Core.Diagnostics;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorCdc.Node.Logging;

/// <summary>
/// Registers with the <see cref="SecretMasker"/> every secret the configuration holds (values of password, secret-key
/// and token keys; passwords inside connection strings and URIs), so they are masked even where no key names them.
/// </summary>
public static class ConfigSecrets
{
    public static void Register(Config config)
    {
        if (config.HasPath("actorcdc")) Walk(config.GetValue("actorcdc"), "actorcdc");
    }

    private static void Walk(HoconValue value, string key)
    {
        if (value.IsObject())
        {
            foreach (var (name, child) in value.GetObject().Items) Walk(child, name);
            return;
        }
        if (value.IsArray())
        {
            foreach (var item in value.GetArray()) Walk(item, key);
            return;
        }
        if (!value.IsString()) return;
        var text = value.GetString();
        if (SecretMasker.IsSecretKey(key)) SecretMasker.AddSecret(text);
        else SecretMasker.AddSecretsOf(text);
    }
}
