using ActorCdc.Core.Failures;
using Akka.Configuration;
using Xunit;

namespace ActorCdc.Sink.Files.Tests;

/// <summary>The sink block is read with documented defaults, and every bad key stops the start with a sentence naming it.</summary>
public sealed class ParquetSinkSettingsTests
{
    private static ParquetSinkSettings Read(string hocon) => ParquetSinkSettings.FromConfig(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void Defaults_apply_to_every_key_but_the_path()
    {
        var s = Read("""path = "s3://lake/cdc" """);
        Assert.Equal("s3://lake/cdc", s.Path);
        Assert.Equal(128L * 1024 * 1024, s.RollMaxBytes);
        Assert.Equal(TimeSpan.FromMinutes(5), s.RollMaxAge);
        Assert.Equal(64, s.MaxOpenWriters);
        Assert.Equal(ParquetPartitioning.CommitDate, s.PartitionBy);
        Assert.Equal("_staging", s.StagingPrefix);
        Assert.Equal(ParquetCompression.Snappy, s.Compression);
        Assert.Equal(ParquetUnrepresentablePolicy.StringColumn, s.Unrepresentable);
        Assert.Equal(8L * 1024 * 1024, s.RowGroupMaxBytes);
        Assert.Equal(Path.GetTempPath(), s.LocalDirectory);
    }

    [Fact]
    public void Every_key_is_read()
    {
        var s = Read("""
            path = "file:///var/lib/lake"
            roll { max-bytes = 16MiB, max-age = 90s }
            max-open-writers = 7
            partition-by = none
            staging-prefix = ".pending"
            compression = zstd
            unrepresentable = fail
            row-group-max-bytes = 1MiB
            local-dir = "/tmp/x"
            """);
        Assert.Equal("file:///var/lib/lake", s.Path);
        Assert.Equal(16L * 1024 * 1024, s.RollMaxBytes);
        Assert.Equal(TimeSpan.FromSeconds(90), s.RollMaxAge);
        Assert.Equal(7, s.MaxOpenWriters);
        Assert.Equal(ParquetPartitioning.None, s.PartitionBy);
        Assert.Equal(".pending", s.StagingPrefix);
        Assert.Equal(ParquetCompression.Zstd, s.Compression);
        Assert.Equal(ParquetUnrepresentablePolicy.Fail, s.Unrepresentable);
        Assert.Equal(1024L * 1024, s.RowGroupMaxBytes);
        Assert.Equal("/tmp/x", s.LocalDirectory);
    }

    [Theory]
    [InlineData("", "sink.path")]
    [InlineData("""path = "/var/lib/lake" """, "sink.path")]
    [InlineData("""path = "http://lake/cdc" """, "sink.path")]
    [InlineData("""path = "file://host/share" """, "sink.path")]
    [InlineData("""path = "s3://lake", roll.max-bytes = 12 """, "sink.roll.max-bytes")]
    [InlineData("""path = "s3://lake", roll.max-bytes = lots """, "sink.roll.max-bytes")]
    [InlineData("""path = "s3://lake", roll.max-age = 0s """, "sink.roll.max-age")]
    [InlineData("""path = "s3://lake", roll.max-age = soon """, "sink.roll.max-age")]
    [InlineData("""path = "s3://lake", max-open-writers = 0 """, "sink.max-open-writers")]
    [InlineData("""path = "s3://lake", partition-by = hour """, "sink.partition-by")]
    [InlineData("""path = "s3://lake", staging-prefix = staging """, "sink.staging-prefix")]
    [InlineData("""path = "s3://lake", staging-prefix = "_a/b" """, "sink.staging-prefix")]
    [InlineData("""path = "s3://lake", compression = lzo """, "sink.compression")]
    [InlineData("""path = "s3://lake", unrepresentable = clamp """, "sink.unrepresentable")]
    [InlineData("""path = "s3://lake", row-group-max-bytes = 1 """, "sink.row-group-max-bytes")]
    public void A_bad_key_fails_with_one_sentence_naming_it(string hocon, string key)
    {
        var e = Assert.Throws<CdcException>(() => Read(hocon));
        Assert.Equal(FailureKind.Fatal, e.Kind);
        Assert.StartsWith(key + " ", e.Message);
        Assert.Contains("set it to", e.Message);
        Assert.EndsWith(".", e.Message);
    }
}
