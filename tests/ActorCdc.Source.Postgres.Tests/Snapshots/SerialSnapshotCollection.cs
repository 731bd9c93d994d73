using Xunit;

namespace ActorCdc.Source.Postgres.Tests.Snapshots;

/// <summary>
/// Tests that measure the process (managed heap, throughput) run alone, after the parallel ones, so other tests'
/// allocations and CPU do not blur what they measure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialSnapshotCollection
{
    public const string Name = "snapshot measurements (run alone)";
}
