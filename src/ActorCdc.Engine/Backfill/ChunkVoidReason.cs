namespace ActorCdc.Engine.Backfill;

/// <summary>Why a chunk attempt's rows cannot be trusted and the chunk must be read again.</summary>
public enum ChunkVoidReason : byte
{
    /// <summary>Not voided.</summary>
    None = 0,
    /// <summary>A TRUNCATE in the window, or by a transaction committed before the low watermark that the snapshot does not see.</summary>
    Truncate = 1,
    /// <summary>A change to be weighed against the chunk has a different shape from the chunk's rows: the schema changed mid-chunk.</summary>
    SchemaChanged = 2,
    /// <summary>The reader's end marker counts a different number of rows than arrived.</summary>
    RowCountMismatch = 3,
    /// <summary>The lookback buffer dropped a change that may belong to a transaction the snapshot does not see.</summary>
    LookbackInsufficient = 4,
    /// <summary>Two chunk rows carry the same key.</summary>
    DuplicateKey = 5,
    /// <summary>A change does not carry the key of the row it touches, so it cannot be placed.</summary>
    UnlocatableChange = 6,
    /// <summary>A second low watermark for the same attempt: a coordinator that died had read the chunk too.</summary>
    DuplicateAttempt = 7,
}
