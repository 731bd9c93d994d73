using ActorCdc.Testing;
using Xunit;

// Every test starts three nodes on a machine with few cores: run the classes one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace ActorCdc.Cluster.Tests;

/// <summary>One PostgreSQL server per test class; each test makes its own source and sink databases and slot.</summary>
public sealed class ClusterFixture : PostgresFixture
{
    protected override string[] Settings => ["logical_decoding_work_mem = '64kB'", "wal_sender_timeout = '20s'", "max_connections = 200"];
}
