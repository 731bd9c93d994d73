using System.Text.Json;
using ActorCdc.Testing;
using Xunit;
using Xunit.Abstractions;

namespace ActorCdc.Node.Tests;

/// <summary>A node process whose configuration holds secrets logs a failing connection without printing any of them.</summary>
public sealed class LogMaskingTests(ITestOutputHelper output)
{
    private const string SourcePassword = "Src-Pa55word-7Qx";
    private const string SinkPassword = "Snk-Pa55word-9Zy";
    private const string S3Secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYzz9EXAMPLEKEY";

    private static string Config(string logFormat)
    {
        var closed = FreePort.Next(); // nothing listens there: every connection fails and is logged
        return NodeProcess.Config($$"""
            pipelines.masked {
              source {
                connection-string = "Host=127.0.0.1;Port={{closed}};Database=shop;Username=cdc;Password={{SourcePassword}};Timeout=2"
                tables = ["public.t"]
              }
              sink { type = postgres, connection-string = "Host=127.0.0.1;Port={{closed}};Username=cdc;Password={{SinkPassword}}" }
            }
            """,
            extraNode: $"\n    status-interval = 0s\n    log-format = {logFormat}\n",
            state: $$"""
                checkpoints {
                  storage = "s3://bucket/prefix"
                  s3 { endpoint = "http://127.0.0.1:{{closed}}", access-key = "AKIAEXAMPLE", secret-key = "{{S3Secret}}" }
                }
                """);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    public async Task A_failing_connection_is_logged_without_any_secret(string format)
    {
        await using var node = NodeProcess.Start(Config(format));
        await node.WaitForOutputAsync("preparing the source failed (attempt 2)", TimeSpan.FromSeconds(90));
        await node.StopAsync(TimeSpan.FromSeconds(30));
        var all = node.Output;
        output.WriteLine(all);

        Assert.DoesNotContain(SourcePassword, all);
        Assert.DoesNotContain(SinkPassword, all);
        Assert.DoesNotContain(S3Secret, all);
        // The settings are logged, masked: proof that the secrets went through the masker rather than nowhere.
        Assert.Contains("Password=***", all);
        if (format == "json")
        {
            var logged = all.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.NotEmpty(logged);
            foreach (var e in logged)
            {
                Assert.True(e.TryGetProperty("Timestamp", out _), e.ToString());
                Assert.True(e.TryGetProperty("LogLevel", out _), e.ToString());
                Assert.True(e.TryGetProperty("Category", out _), e.ToString());
                Assert.True(e.TryGetProperty("Message", out _), e.ToString());
            }
            Assert.Contains(logged, e => e.TryGetProperty("State", out var state) && state.TryGetProperty("Pipeline", out _));
            // Akka's log arrives structured: the actor's class as category, the actor path among the properties.
            Assert.Contains(logged, e => e.GetProperty("Category").GetString() == "ActorCdc.Engine.Pipelines.PipelineManager"
                                         && e.GetProperty("Message").GetString()!.StartsWith("masked: preparing the source failed", StringComparison.Ordinal)
                                         && e.GetProperty("State").TryGetProperty("Actor", out _));
        }
    }
}
