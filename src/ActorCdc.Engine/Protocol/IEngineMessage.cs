namespace ActorCdc.Engine.Protocol;

/// <summary>Marker of every engine message and event; all are bound to the engine's binary serializer.</summary>
public interface IEngineMessage;
