namespace ActorCdc.Engine.Protocol;

/// <summary>TableEntity journal event: a new incarnation of the entity begins; its start snapshot follows.</summary>
public sealed record EpochStarted(long Epoch) : IEngineMessage;
