namespace ActorCdc.Engine.Snapshots;

/// <summary>Where a table is in its initial snapshot.</summary>
public enum TableBackfillStatus : byte
{
    /// <summary>Chunks remain to be planned or read.</summary>
    Running = 1,
    /// <summary>Every row was copied.</summary>
    Done = 2,
    /// <summary>Snapshot mode never: not copied.</summary>
    Skipped = 3,
}
