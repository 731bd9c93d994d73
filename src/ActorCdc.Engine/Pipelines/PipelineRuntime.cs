using ActorCdc.Core.Sinks;
using ActorCdc.Engine.Configuration;

namespace ActorCdc.Engine.Pipelines;

/// <summary>What the actors of one pipeline share on a node: its settings and its sink.</summary>
public sealed record PipelineRuntime(PipelineSettings Settings, ISinkFactory SinkFactory);
