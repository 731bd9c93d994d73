using ActorCdc.Core.Positions;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// A journal segment shipped to checkpoint storage (ack-on = checkpointed): the object <see cref="Key"/> holds the
/// persisted-but-unapplied batches of journal sequence numbers <see cref="FromSeqNr"/>..<see cref="ToSeqNr"/>, the last
/// of them ending at <see cref="Last"/>. A <see cref="TableEntitySnapshot"/> lists the segments it needs.
/// </summary>
public sealed record JournalSegmentRef(string Key, long FromSeqNr, long ToSeqNr, SourcePosition Last, long Rows, long Bytes);
