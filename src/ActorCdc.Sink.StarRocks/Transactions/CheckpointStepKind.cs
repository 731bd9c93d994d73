namespace ActorCdc.Sink.StarRocks.Transactions;

/// <summary>The kinds of <see cref="CheckpointStep"/>.</summary>
internal enum CheckpointStepKind : byte
{
    Transaction = 1,
    Truncate = 2,
}
