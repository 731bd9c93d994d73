using ActorCdc.Core.Diagnostics;
using Xunit;

namespace ActorCdc.Node.Tests;

/// <summary>The masker over every shape a secret takes in our logs, settings and error messages.</summary>
public sealed class SecretMaskerTests
{
    [Theory]
    [InlineData("Host=db;Port=5432;Database=shop;Username=cdc;Password=hunter2-xyz", "hunter2-xyz")]
    [InlineData("Host=db;Password=hunter2-xyz;Username=cdc", "hunter2-xyz")]
    [InlineData("host=db; password = hunter2-xyz ; username=cdc", "hunter2-xyz")]
    [InlineData("Host=db;PASSWORD=hunter2-xyz", "hunter2-xyz")]
    [InlineData("Host=db;Pwd=hunter2-xyz", "hunter2-xyz")]
    [InlineData("Server=db;User Id=cdc;Password=\"hun;ter2=xyz\";Database=shop", "hun;ter2")]
    [InlineData("Server=db;Password='hunter2 xyz';Database=shop", "hunter2 xyz")]
    [InlineData("postgresql://cdc:hunter2-xyz@db:5432/shop", "hunter2-xyz")]
    [InlineData("s3://AKIAEXAMPLE:hunter2-xyz@minio:9000/bucket", "hunter2-xyz")]
    [InlineData("http://root:hunter2-xyz@starrocks:8030/api/db/t/_stream_load", "hunter2-xyz")]
    [InlineData("mysql://root:p%40ss-hunter2@starrocks:9030/db", "p%40ss-hunter2")]
    [InlineData("secret-key = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"", "wJalrXUtnFEMI")]
    [InlineData("s3 { access-key = AKIA1, secret-key = hunter2-xyz }", "hunter2-xyz")]
    [InlineData("\"password\" : \"hunter2-xyz\"", "hunter2-xyz")]
    [InlineData("{\"Password\":\"hunter2-xyz\",\"User\":\"cdc\"}", "hunter2-xyz")]
    [InlineData("SecretKey = hunter2-xyz, Region = eu", "hunter2-xyz")]
    [InlineData("token: hunter2-xyz", "hunter2-xyz")]
    [InlineData("Authorization: Bearer-less api_key=hunter2-xyz&x=1", "hunter2-xyz")]
    [InlineData("aws_secret_access_key=hunter2-xyz", "hunter2-xyz")]
    [InlineData("the key is wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")]
    public void A_secret_in_any_shape_is_masked(string text, string secret)
    {
        var masked = SecretMasker.Apply(text);
        Assert.DoesNotContain(secret, masked);
        Assert.Contains(SecretMasker.Mask, masked);
    }

    [Theory]
    [InlineData("Host=db;Port=5432;Database=shop;Username=cdc")]
    [InlineData("password authentication failed for user \"cdc\"")]
    [InlineData("commit 3f786850e387550fdab836ed7e6dc881de23001b is a hex digest, not a key")]
    [InlineData("file:///var/lib/actorcdc/checkpoints")]
    [InlineData("Passfile=/home/cdc/.pgpass")]
    [InlineData("bypass=on")]
    public void Text_without_secrets_is_left_alone(string text) => Assert.Equal(text, SecretMasker.Apply(text));

    [Fact]
    public void Masking_keeps_the_rest_of_a_connection_string() =>
        Assert.Equal("Host=db;Username=cdc;Password=***;Database=shop", SecretMasker.Apply("Host=db;Username=cdc;Password=s3cr3t;Database=shop"));

    [Fact]
    public void A_registered_secret_is_masked_wherever_it_appears()
    {
        SecretMasker.AddSecretsOf("Host=db;Password=Registered-Only-4711");
        Assert.Equal("login with *** failed", SecretMasker.Apply("login with Registered-Only-4711 failed"));
    }

    [Fact]
    public void Masking_twice_changes_nothing()
    {
        var once = SecretMasker.Apply("Host=db;Password=s3cr3t;x://u:p4ss@h");
        Assert.Equal(once, SecretMasker.Apply(once));
    }

    [Fact]
    public void Settings_records_print_no_password()
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString("""
            actorcdc.pipelines.p {
              source { connection-string = "Host=db;Username=cdc;Password=Rec0rd-Secret", tables = ["public.t"] }
              sink { type = postgres, connection-string = "Host=sink;Password=Rec0rd-Sink-Secret" }
            }
            """).WithFallback(NodeConfig.Defaults);
        var settings = ActorCdc.Engine.Configuration.ActorCdcSettings.Parse(config);
        var text = settings.ToString() + settings.Pipelines[0] + settings.Pipelines[0].Source + settings.Pipelines[0].Sink;
        Assert.Contains("Password=***", text);
        Assert.DoesNotContain("Rec0rd-Secret", text);
        Assert.DoesNotContain("Rec0rd-Sink-Secret", text);
    }
}
