using ActorCdc.Core.Changes;

namespace ActorCdc.Engine.Protocol;

/// <summary>
/// TableEntity journal event: a batch received and not yet known to be applied in the sink, written by the
/// incarnation <see cref="Epoch"/>.
/// </summary>
public sealed record TableBatchPersisted(long Epoch, ChangeBatch Batch) : IEngineMessage;
