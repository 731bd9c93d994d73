namespace ActorCdc.Sink.Postgres;

/// <summary>How a reduced batch reaches the target table (HOCON <c>sink.batch-strategy</c>).</summary>
public enum PostgresBatchStrategy
{
    /// <summary>COPY every image into a temporary staging table, then merge with set-based statements (default).</summary>
    CopyMerge = 0,

    /// <summary>Multi-row <c>INSERT ... VALUES ... ON CONFLICT</c> and <c>DELETE ... USING (VALUES ...)</c> statements.</summary>
    MultiRowInsert = 1,
}
