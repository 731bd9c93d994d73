using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Node.Cmd;

namespace ActorCdc.Node;

/// <summary>What the node was started with: validated settings and the pipelines that passed preflight.</summary>
public sealed record NodeOptions(ActorCdcSettings Settings, PipelineRegistry Registry, Akka.Configuration.Config Config)
{
    /// <summary><c>pipeline/savepoint-id</c> to start from, or null.</summary>
    public string? FromSavepoint { get; init; }

    /// <summary><c>pipeline/schema.table</c> entries to copy again once the node runs.</summary>
    public IReadOnlyList<string> Resnapshots { get; init; } = [];

    /// <summary>The command host (<c>actorcdc.cmd</c>); disabled unless the node's configuration was parsed for it.</summary>
    public CmdSettings Cmd { get; init; } = CmdSettings.Disabled;
}
