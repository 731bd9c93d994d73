using ActorCdc.Core.Changes;
using ActorCdc.Sink.Postgres.Reduction;
using ActorCdc.Sink.Postgres.Target;
using Npgsql;
using NpgsqlTypes;

namespace ActorCdc.Sink.Postgres.Writing;

/// <summary>
/// Sends each class of effects as one statement over <c>unnest</c> of one text array per column
/// (<see cref="PostgresBatchStrategy.Unnest"/>): no staging table to create, a handful of parameters whatever the
/// batch size, and the server parses values with the same input functions as COPY.
/// </summary>
internal sealed class UnnestWriter : KeyedWriter
{
    public override void AddPrologue(NpgsqlBatch batch, TargetTable table)
    {
    }

    protected override Task WriteEffectsAsync(NpgsqlConnection connection, TargetTable table, NpgsqlBatch final, CancellationToken cancellationToken)
    {
        var e = Effects;
        var statements = table.UnnestStatements;
        // Rebased key changes first: they read old rows that the other statements may change.
        if (e.Rebased.Count > 0)
        {
            var command = new NpgsqlBatchCommand(statements.InsertRebased);
            for (var c = 0; c < table.ColumnCount; c++) command.Parameters.Add(RebasedColumn(e.Rebased, c, fromBase: false));
            command.Parameters.Add(KeepMasks(e.Rebased));
            foreach (var k in table.KeyIndexes) command.Parameters.Add(RebasedColumn(e.Rebased, k, fromBase: true));
            final.BatchCommands.Add(command);
        }
        if (e.Removed.Count > 0)
        {
            var command = new NpgsqlBatchCommand(statements.Delete);
            foreach (var k in table.KeyIndexes) command.Parameters.Add(Column(e.Removed, k));
            final.BatchCommands.Add(command);
        }
        if (e.Full.Count > 0)
        {
            var command = new NpgsqlBatchCommand(statements.Upsert);
            for (var c = 0; c < table.ColumnCount; c++) command.Parameters.Add(Column(e.Full, c));
            final.BatchCommands.Add(command);
        }
        if (e.Partial.Count > 0 && statements.UpdatePartial is not null)
        {
            var command = new NpgsqlBatchCommand(statements.UpdatePartial);
            for (var c = 0; c < table.ColumnCount; c++) command.Parameters.Add(Column(e.Partial, c));
            command.Parameters.Add(KeepMasks(e.Partial));
            final.BatchCommands.Add(command);
        }
        return Task.CompletedTask;
    }

    private static NpgsqlParameter Column(List<ColumnValue[]> rows, int slot)
    {
        var values = new string?[rows.Count];
        for (var r = 0; r < values.Length; r++) values[r] = rows[r][slot].Text;
        return TextArray(values);
    }

    private static NpgsqlParameter RebasedColumn(List<RowEffect> rows, int slot, bool fromBase)
    {
        var values = new string?[rows.Count];
        for (var r = 0; r < values.Length; r++) values[r] = (fromBase ? rows[r].BaseKey! : rows[r].Image!)[slot].Text;
        return TextArray(values);
    }

    private static NpgsqlParameter KeepMasks(List<ColumnValue[]> rows)
    {
        var masks = new string?[rows.Count];
        for (var r = 0; r < masks.Length; r++) masks[r] = KeepMask(rows[r]);
        return TextArray(masks);
    }

    private static NpgsqlParameter KeepMasks(List<RowEffect> rows)
    {
        var masks = new string?[rows.Count];
        for (var r = 0; r < masks.Length; r++) masks[r] = KeepMask(rows[r].Image!);
        return TextArray(masks);
    }

    private static string KeepMask(ColumnValue[] image) =>
        string.Create(image.Length, image, static (span, row) =>
        {
            for (var i = 0; i < row.Length; i++) span[i] = row[i].IsPresent ? '0' : '1';
        });

    private static NpgsqlParameter TextArray(string?[] values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = values };
}
