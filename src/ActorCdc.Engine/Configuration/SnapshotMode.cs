namespace ActorCdc.Engine.Configuration;

/// <summary>Whether a table's existing rows are copied before (or instead of) streaming its changes.</summary>
public enum SnapshotMode
{
    /// <summary>Backfill existing rows, then keep streaming (default).</summary>
    Initial,
    /// <summary>Stream changes only; existing rows are not copied.</summary>
    Never,
    /// <summary>Backfill existing rows, then stop: the pipeline completes when its last table is copied.</summary>
    InitialOnly,
}
