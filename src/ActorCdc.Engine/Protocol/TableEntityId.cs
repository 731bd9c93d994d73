using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Protocol;

/// <summary>Sharding entity ids of table entities: <c>&lt;pipeline&gt;/&lt;schema&gt;.&lt;table&gt;</c>.</summary>
public static class TableEntityId
{
    public static string For(string pipeline, TableId table) => $"{pipeline}/{table.Schema}.{table.Name}";

    public static (string Pipeline, TableId Table) Parse(string entityId)
    {
        var slash = entityId.IndexOf('/');
        if (slash <= 0) throw new ArgumentException($"'{entityId}' is not a table entity id (pipeline/schema.table)");
        return (entityId[..slash], TableId.Parse(entityId[(slash + 1)..]));
    }
}
