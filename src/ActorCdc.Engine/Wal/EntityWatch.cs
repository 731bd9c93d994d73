using ActorCdc.Core.Schema;
using Akka.Actor;

namespace ActorCdc.Engine.Wal;

/// <summary>
/// The WalReader's record of which entity incarnation answers for each table, so it can watch it: an entity that stops
/// (handed off to another node, its node left or died) may have persisted changes it never applied, which then exist
/// only in the slot; nothing else would send them again while the table stays quiet (its next incarnation starts only
/// on a message). Not thread-safe: owned by the WalReader.
/// </summary>
internal sealed class EntityWatch
{
    private readonly Dictionary<TableId, IActorRef> _byTable = new();
    private readonly Dictionary<IActorRef, TableId> _byEntity = new();

    /// <summary>
    /// <paramref name="entity"/> answered for <paramref name="table"/>. Returns the incarnation to start watching (null
    /// when it is already watched) and the one it replaces, to stop watching.
    /// </summary>
    public (IActorRef? Watch, IActorRef? Unwatch) Answered(TableId table, IActorRef entity)
    {
        if (entity.IsNobody()) return (null, null);
        _byTable.TryGetValue(table, out var known);
        if (entity.Equals(known)) return (null, null);
        if (known is not null) _byEntity.Remove(known);
        _byTable[table] = entity;
        _byEntity[entity] = table;
        return (entity, known);
    }

    /// <summary>A watched incarnation stopped: its table, or null when it was not (or no longer) the table's current one.</summary>
    public TableId? Stopped(IActorRef entity)
    {
        if (!_byEntity.Remove(entity, out var table)) return null;
        _byTable.Remove(table);
        return table;
    }
}
