using ActorCdc.Core.Schema;
using ActorCdc.Engine.Configuration;

namespace ActorCdc.Engine.DeadLetters;

/// <summary>Builds the dead-letter target of one table from <c>delivery.dead-letter</c>.</summary>
public static class DeadLetterTargets
{
    public static IDeadLetterTarget Create(DeadLetterSettings settings, string pipeline, TableId table) => settings.Type switch
    {
        DeadLetterTargetType.Postgres => new PostgresDeadLetterTarget(settings.ConnectionString!, settings.Table),
        _ => new FileDeadLetterTarget(settings.Path, pipeline, table.ToString()),
    };
}
