namespace ActorCdc.Testing;

/// <summary>The configs of a test cluster's nodes (see <see cref="NodeProcess.ClusterConfigs"/>), their ports and the shared checkpoint directory.</summary>
public sealed record ClusterConfig(IReadOnlyList<string> Configs, IReadOnlyList<int> Ports, string CheckpointDirectory);
