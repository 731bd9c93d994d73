using ActorCdc.Core.Schema;
using ActorCdc.Source.Postgres.Snapshots;

namespace ActorCdc.Engine.Snapshots;

/// <summary>SnapshotCoordinator → ChunkReaderWorker: read this chunk attempt between a low and a high watermark.</summary>
public sealed record ReadChunk(TableKey Key, TableSchema Schema, BackfillChunk Chunk);
