using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;

namespace ActorCdc.Node;

/// <summary>What the node was started with: validated settings and the pipelines that passed preflight.</summary>
public sealed record NodeOptions(ActorCdcSettings Settings, PipelineRegistry Registry, Akka.Configuration.Config Config);
