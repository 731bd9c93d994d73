using ActorCdc.Engine.Configuration;
using Akka.Configuration;
using Xunit;

namespace ActorCdc.Engine.Tests;

public class EnvironmentSubstitutionTests
{
    private static string? Env(string name) => name switch
    {
        "PGPASSWORD" => "s3cr\"et {x}",
        "SINK_HOST" => "db.internal",
        _ => null,
    };

    [Fact]
    public void Environment_variables_fill_in_secrets_and_concatenate_with_strings()
    {
        var text = EnvironmentSubstitution.Apply("""
            a = "Host="${SINK_HOST}";Password="${?PGPASSWORD}
            b = ${?NOT_SET}
            c = ${other.path}
            other.path = 1
            """, Env);
        var config = ConfigurationFactory.ParseString(text);
        Assert.Equal("Host=db.internal;Password=s3cr\"et {x}", config.GetString("a"));
        Assert.Equal("", config.GetString("b"));
        Assert.Equal(1, config.GetInt("c"));
    }

    [Fact]
    public void A_required_variable_that_is_not_set_names_itself()
    {
        var e = Assert.Throws<SettingsException>(() => EnvironmentSubstitution.Apply("a = ${MISSING_VAR}", Env));
        Assert.Contains("MISSING_VAR", e.Message);
    }
}
