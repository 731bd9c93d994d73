using ActorCdc.Core.Changes;
using ActorCdc.Sink.Postgres.Reduction;
using ActorCdc.Sink.Postgres.Target;
using Npgsql;

namespace ActorCdc.Sink.Postgres.Writing;

/// <summary>COPYs classified effects into the staging table of <see cref="KeyedStatements"/>.</summary>
internal static class StageCopy
{
    /// <summary>Stages partial and rebased images, and removed keys and full images when <paramref name="all"/>.</summary>
    public static async Task WriteAsync(NpgsqlConnection connection, TargetTable table, EffectClasses effects, bool all, CancellationToken cancellationToken)
    {
        var statements = table.Statements;
        var withBase = effects.Rebased.Count > 0;
        var buffer = await CopyTextBuffer.BeginAsync(connection, withBase ? statements.CopyIntoStageWithBase : statements.CopyIntoStage, cancellationToken)
            .ConfigureAwait(false);
        await using (buffer.ConfigureAwait(false))
        {
            if (all)
            {
                foreach (var image in effects.Full)
                {
                    Row(buffer, table, image, StageGroups.Full, withBase);
                    await buffer.EndRowAsync(cancellationToken).ConfigureAwait(false);
                }
                foreach (var key in effects.Removed)
                {
                    Row(buffer, table, key, StageGroups.Removed, withBase);
                    await buffer.EndRowAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            for (var i = 0; i < effects.Partial.Count; i++)
            {
                Row(buffer, table, effects.Partial[i], effects.PartialGroups[i], withBase);
                await buffer.EndRowAsync(cancellationToken).ConfigureAwait(false);
            }
            foreach (var rebased in effects.Rebased)
            {
                Rebased(buffer, table, rebased);
                await buffer.EndRowAsync(cancellationToken).ConfigureAwait(false);
            }
            await buffer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Row(CopyTextBuffer buffer, TargetTable table, ColumnValue[] values, int group, bool withBase)
    {
        foreach (var value in values)
        {
            buffer.Value(value);
            buffer.Tab();
        }
        buffer.Int(group);
        if (!withBase) return;
        // Base key columns and the keep mask are only read for rebased rows.
        for (var k = 0; k < table.KeyIndexes.Length; k++)
        {
            buffer.Tab();
            buffer.Null();
        }
        buffer.Tab();
        buffer.Null();
    }

    private static void Rebased(CopyTextBuffer buffer, TargetTable table, RowEffect effect)
    {
        var image = effect.Image!;
        foreach (var value in image)
        {
            buffer.Value(value);
            buffer.Tab();
        }
        buffer.Int(StageGroups.Rebased);
        foreach (var k in table.KeyIndexes)
        {
            buffer.Tab();
            buffer.Value(effect.BaseKey![k]);
        }
        buffer.Tab();
        buffer.Raw('{');
        for (var i = 0; i < image.Length; i++)
        {
            if (i > 0) buffer.Raw(',');
            buffer.Raw(image[i].IsPresent ? 'f' : 't');
        }
        buffer.Raw('}');
    }
}
