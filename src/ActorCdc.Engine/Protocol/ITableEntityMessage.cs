namespace ActorCdc.Engine.Protocol;

/// <summary>A message for one table entity, routed by sharding with <see cref="EntityId"/>.</summary>
public interface ITableEntityMessage : IEngineMessage
{
    string EntityId { get; }
}
