using ActorCdc.Core.Changes;
using ActorCdc.Sink.Postgres.Reduction;
using ActorCdc.Sink.Postgres.Target;
using Npgsql;

namespace ActorCdc.Sink.Postgres.Writing;

/// <summary>
/// Common part of the keyed strategies: reduce the batch to one effect per key, classify, then let the strategy
/// write. Order of the final statements: TRUNCATE, resolve rebased key changes (reads old rows before anything
/// changes them), delete, upsert, partial updates.
/// </summary>
internal abstract class KeyedWriter : IChangeWriter
{
    private NetEffect? _net;

    protected EffectClasses Effects { get; } = new();

    public abstract void AddPrologue(NpgsqlBatch batch, TargetTable table);

    public async Task WriteAsync(NpgsqlConnection connection, TargetTable table, IReadOnlyList<RowChange> changes, int from, NpgsqlBatch final,
        CancellationToken cancellationToken)
    {
        if (_net is null || !_net.Fits(table.Schema)) _net = new NetEffect(table.KeyIndexes);
        _net.Reduce(table.Schema, changes, from);
        Effects.Classify(_net);
        if (_net.Truncated) final.BatchCommands.Add(new NpgsqlBatchCommand(table.Statements.Truncate));
        await WriteEffectsAsync(connection, table, final, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds the statements of the classified <see cref="Effects"/>, after a TRUNCATE if there was one.</summary>
    protected abstract Task WriteEffectsAsync(NpgsqlConnection connection, TargetTable table, NpgsqlBatch final, CancellationToken cancellationToken);

    /// <summary>Adds the partial updates of each group staged with its group number.</summary>
    protected void AddPartialUpdates(TargetTable table, NpgsqlBatch final)
    {
        for (var g = 0; g < Effects.GroupMasks.Count; g++)
        {
            var sql = table.Statements.PartialUpdate(Effects.GroupMasks[g], g + 1);
            if (sql is not null) final.BatchCommands.Add(new NpgsqlBatchCommand(sql));
        }
    }
}
