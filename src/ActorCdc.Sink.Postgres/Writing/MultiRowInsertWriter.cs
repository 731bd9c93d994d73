using ActorCdc.Core.Changes;
using ActorCdc.Sink.Postgres.Target;
using Npgsql;
using NpgsqlTypes;

namespace ActorCdc.Sink.Postgres.Writing;

/// <summary>
/// Writes full images with multi-row <c>INSERT ... VALUES ... ON CONFLICT</c> and removed keys with
/// <c>DELETE ... USING (VALUES ...)</c>, values as untyped text parameters (<see cref="PostgresBatchStrategy.MultiRowInsert"/>).
/// Partial images still go through the staging table: they are rare and need a join.
/// </summary>
internal sealed class MultiRowInsertWriter : KeyedWriter
{
    // The protocol counts parameters in 16 bits.
    private const int MaxParameters = 65535;

    public override void AddPrologue(NpgsqlBatch batch, TargetTable table)
    {
    }

    protected override async Task WriteEffectsAsync(NpgsqlConnection connection, TargetTable table, NpgsqlBatch final, CancellationToken cancellationToken)
    {
        var e = Effects;
        var statements = table.Statements;
        if (e.NeedsStageForPartials)
        {
            await using (var create = new NpgsqlCommand(statements.CreateStage, connection))
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await StageCopy.WriteAsync(connection, table, e, all: false, cancellationToken).ConfigureAwait(false);
            if (e.Rebased.Count > 0) final.BatchCommands.Add(new NpgsqlBatchCommand(statements.ResolveRebased));
        }
        AddChunks(final, e.Removed, table.KeyIndexes, statements.MultiRowDelete);
        AddChunks(final, e.Full, null, statements.MultiRowUpsert);
        if (e.Rebased.Count > 0) final.BatchCommands.Add(new NpgsqlBatchCommand(statements.UpsertFromStage));
        AddPartialUpdates(table, final);
    }

    /// <summary>One statement per chunk of rows; <paramref name="slots"/> null means every column.</summary>
    private static void AddChunks(NpgsqlBatch final, List<ColumnValue[]> rows, int[]? slots, Func<int, string> sql)
    {
        if (rows.Count == 0) return;
        var width = slots?.Length ?? rows[0].Length;
        var perStatement = Math.Max(1, MaxParameters / width);
        for (var start = 0; start < rows.Count; start += perStatement)
        {
            var count = Math.Min(perStatement, rows.Count - start);
            var command = new NpgsqlBatchCommand(sql(count));
            for (var r = start; r < start + count; r++)
            {
                var row = rows[r];
                if (slots is null)
                    foreach (var value in row) command.Parameters.Add(Parameter(value));
                else
                    foreach (var k in slots) command.Parameters.Add(Parameter(row[k]));
            }
            final.BatchCommands.Add(command);
        }
    }

    // Unknown lets the server type the text by context (target column or cast), as a literal would be.
    private static NpgsqlParameter Parameter(in ColumnValue value) => new()
    {
        NpgsqlDbType = NpgsqlDbType.Unknown,
        Value = value.Kind == ValueKind.Text ? value.Text : DBNull.Value,
    };
}
