using ActorCdc.Testing;

namespace ActorCdc.Node.Tests;

/// <summary>One PostgreSQL server for the node tests; each test makes its own databases and pipeline names.</summary>
public sealed class NodeFixture : PostgresFixture;
