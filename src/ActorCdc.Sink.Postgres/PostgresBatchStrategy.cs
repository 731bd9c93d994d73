namespace ActorCdc.Sink.Postgres;

/// <summary>How a reduced batch reaches the target table (HOCON <c>sink.batch-strategy</c>).</summary>
public enum PostgresBatchStrategy
{
    /// <summary>One set-based statement per kind of effect over <c>unnest</c> of one text array per column (default: fastest measured).</summary>
    Unnest = 0,

    /// <summary>COPY every image into a temporary staging table, then merge with set-based statements.</summary>
    CopyMerge = 1,

    /// <summary>Multi-row <c>INSERT ... VALUES ... ON CONFLICT</c> and <c>DELETE ... USING (VALUES ...)</c> statements.</summary>
    MultiRowInsert = 2,
}
