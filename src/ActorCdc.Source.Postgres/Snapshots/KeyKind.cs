namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>Where a table's backfill key comes from (DESIGN.md §3.4).</summary>
public enum KeyKind : byte
{
    /// <summary>The primary key: chunked by key ranges.</summary>
    PrimaryKey = 1,

    /// <summary>No primary key, but a unique NOT NULL index set as REPLICA IDENTITY USING INDEX: chunked by its ranges.</summary>
    ReplicaIdentityIndex = 2,

    /// <summary>No key at all, REPLICA IDENTITY FULL: read in one pass, not resumable per chunk, loaded append-only.</summary>
    FullRowNoKey = 3,
}
