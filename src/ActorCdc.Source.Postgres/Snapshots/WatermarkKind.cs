namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>Which side of a chunk read a <see cref="Watermark"/> marks.</summary>
public enum WatermarkKind : byte
{
    /// <summary>Written before the chunk is read: the window of changes to overlay opens.</summary>
    Low = 1,

    /// <summary>Written after the chunk is read: the window closes; the chunk's rows take this position.</summary>
    High = 2,
}
