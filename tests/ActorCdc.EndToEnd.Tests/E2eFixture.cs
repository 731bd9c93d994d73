using ActorCdc.Testing;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>One PostgreSQL server for the end-to-end suite; small logical_decoding_work_mem so large transactions stream.</summary>
public sealed class E2eFixture : PostgresFixture
{
    protected override string[] Settings => ["logical_decoding_work_mem = '64kB'", "wal_sender_timeout = '20s'"];
}
