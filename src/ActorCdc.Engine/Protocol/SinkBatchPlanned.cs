using ActorCdc.Core.Positions;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// TableEntity journal event, for sinks that name writes by their positions: the next write to the sink holds exactly
/// the changes from <see cref="First"/> to <see cref="Last"/>; a replay after a crash is grouped the same way.
/// </summary>
public sealed record SinkBatchPlanned(long Epoch, SourcePosition First, SourcePosition Last) : IEngineMessage;
