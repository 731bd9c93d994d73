using ActorCdc.Core.Changes;

namespace ActorCdc.Engine.Protocol;

/// <summary>TableEntity journal event: a batch received and not yet known to be applied in the sink.</summary>
public sealed record TableBatchPersisted(ChangeBatch Batch) : IEngineMessage;
