using ActorCdc.Sink.Postgres.Target;
using Npgsql;

namespace ActorCdc.Sink.Postgres.Writing;

/// <summary>
/// COPYs every effect of the batch into a temporary staging table, then merges it into the target with a few
/// set-based statements (<see cref="PostgresBatchStrategy.CopyMerge"/>).
/// </summary>
internal sealed class CopyMergeWriter : KeyedWriter
{
    public override void AddPrologue(NpgsqlBatch batch, TargetTable table) =>
        batch.BatchCommands.Add(new NpgsqlBatchCommand(table.Statements.CreateStage));

    protected override async Task WriteEffectsAsync(NpgsqlConnection connection, TargetTable table, NpgsqlBatch final, CancellationToken cancellationToken)
    {
        var e = Effects;
        if (e.Removed.Count + e.Full.Count + e.Partial.Count + e.Rebased.Count == 0) return;
        await StageCopy.WriteAsync(connection, table, e, all: true, cancellationToken).ConfigureAwait(false);
        var statements = table.Statements;
        if (e.Rebased.Count > 0) final.BatchCommands.Add(new NpgsqlBatchCommand(statements.ResolveRebased));
        if (e.Removed.Count > 0) final.BatchCommands.Add(new NpgsqlBatchCommand(statements.DeleteFromStage));
        if (e.Full.Count + e.Rebased.Count > 0) final.BatchCommands.Add(new NpgsqlBatchCommand(statements.UpsertFromStage));
        AddPartialUpdates(table, final);
    }
}
