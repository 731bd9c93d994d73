using ActorCdc.Core.Positions;

namespace ActorCdc.Sink.Files.Writing;

/// <summary>A finished local Parquet file waiting to be staged: where it is, its partition and the positions it holds.</summary>
internal sealed record SealedPart(string LocalPath, string Partition, SourcePosition First, SourcePosition Last, long Rows, long Bytes);
