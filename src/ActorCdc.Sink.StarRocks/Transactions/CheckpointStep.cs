using ActorCdc.Core.Positions;

namespace ActorCdc.Sink.StarRocks.Transactions;

/// <summary>One thing a checkpoint commits: a prepared transaction, or a truncation at a position recorded by its marker label.</summary>
internal sealed record CheckpointStep(CheckpointStepKind Kind, string Label, SourcePosition At);
