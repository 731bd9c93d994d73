using ActorCdc.Core.Schema;

namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// A DBLog watermark around one read of one chunk, written into the WAL by <see cref="Watermarks.EmitAsync(Npgsql.NpgsqlConnection, Watermark, CancellationToken)"/>;
/// <paramref name="Attempt"/> tells apart the watermarks of a chunk read again after a failure.
/// </summary>
public sealed record Watermark(string Pipeline, TableId Table, long ChunkId, int Attempt, WatermarkKind Kind)
{
    public override string ToString() => $"{Kind} watermark {Pipeline}/{Table} chunk {ChunkId} attempt {Attempt}";
}
