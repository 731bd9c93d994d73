using ActorCdc.Source.Postgres.Snapshots;

namespace ActorCdc.Engine.Snapshots;

/// <summary>A planned chunk of one table: its id, key range and current attempt.</summary>
public sealed record BackfillChunk(long Id, ChunkRange Range, int Attempt);
