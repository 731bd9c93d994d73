using System.Collections.Concurrent;

namespace ActorCdc.Engine.Pipelines;

/// <summary>The pipelines this node knows, by name; table entities find their sink here.</summary>
public sealed class PipelineRegistry
{
    private readonly ConcurrentDictionary<string, PipelineRuntime> _pipelines = new(StringComparer.Ordinal);

    public void Add(PipelineRuntime runtime)
    {
        if (!_pipelines.TryAdd(runtime.Settings.Name, runtime))
            throw new InvalidOperationException($"pipeline {runtime.Settings.Name} is registered twice");
    }

    public PipelineRuntime Get(string name) =>
        _pipelines.TryGetValue(name, out var r) ? r : throw new KeyNotFoundException($"pipeline '{name}' is not configured on this node");

    public IReadOnlyCollection<PipelineRuntime> All => _pipelines.Values.ToList();
}
