using ActorCdc.Testing;

namespace ActorCdc.Node.Tests;

/// <summary>
/// One real node (a PostgreSQL source, a blackhole sink) whose command host requires <see cref="Token"/>, shared by
/// the client tests of a class.
/// </summary>
public sealed class CommandHostNodeFixture : PostgresFixture, Xunit.IAsyncLifetime
{
    public const string Token = "node-tests-token";

    private NodeProcess? _node;

    public NodeProcess Node => _node ?? throw new InvalidOperationException("fixture not initialized");

    /// <summary>A pipeline block capturing one table of a fresh database into a blackhole sink.</summary>
    public async Task<string> PipelineAsync()
    {
        var db = await Server.CreateDatabaseAsync("cmd");
        await Server.ExecuteAsync(db, "CREATE TABLE t (id int PRIMARY KEY)");
        return $$"""
            pipelines.cmd {
              source {
                connection-string = "{{Server.ConnectionString(db)}}"
                tables = ["public.t"]
                slot = actorcdc_{{db}}
              }
              sink { type = blackhole }
            }
            """;
    }

    async Task Xunit.IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        var pipeline = await PipelineAsync();
        _node = NodeProcess.Start(NodeProcess.Config(pipeline + $"\ncmd {{ token = \"{Token}\" }}\n"));
        await _node.WaitForOutputAsync($"command host listening on 127.0.0.1:{_node.CmdPort}", TimeSpan.FromSeconds(90));
    }

    async Task Xunit.IAsyncLifetime.DisposeAsync()
    {
        if (_node is not null) await _node.DisposeAsync();
        await DisposeAsync();
    }
}
