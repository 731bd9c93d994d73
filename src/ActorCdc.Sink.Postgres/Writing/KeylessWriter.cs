using System.Text;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Sink.Postgres.Reduction;
using ActorCdc.Sink.Postgres.Target;
using Npgsql;
using NpgsqlTypes;

namespace ActorCdc.Sink.Postgres.Writing;

/// <summary>
/// Applies changes of a table without key (REPLICA IDENTITY FULL) in order: runs of inserts are COPYed, a delete
/// removes one row equal to the old row, an update replaces one such row. Rows are compared by their text
/// rendering, which every type has (json has no equality operator) and which the source sent.
/// </summary>
internal sealed class KeylessWriter : IChangeWriter
{
    private readonly List<ColumnValue[]> _inserts = [];

    public void AddPrologue(NpgsqlBatch batch, TargetTable table)
    {
    }

    public async Task WriteAsync(NpgsqlConnection connection, TargetTable table, IReadOnlyList<RowChange> changes, int from, NpgsqlBatch final,
        CancellationToken cancellationToken)
    {
        // Invariant: either inserts wait in _inserts or statements wait in final, never both, so order is kept.
        _inserts.Clear();
        for (var i = from; i < changes.Count; i++)
        {
            var change = changes[i];
            switch (change.Kind)
            {
                case ChangeKind.Insert:
                    if (final.BatchCommands.Count > 0)
                    {
                        await final.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        final.BatchCommands.Clear();
                    }
                    _inserts.Add(change.New!);
                    break;
                case ChangeKind.Delete:
                    await CopyInsertsAsync(connection, table, cancellationToken).ConfigureAwait(false);
                    final.BatchCommands.Add(DeleteOne(table, OldRow(change, table)));
                    break;
                case ChangeKind.Update:
                    await CopyInsertsAsync(connection, table, cancellationToken).ConfigureAwait(false);
                    final.BatchCommands.Add(ReplaceOne(table, OldRow(change, table), change.New!));
                    break;
                case ChangeKind.Truncate:
                    // Whatever waits would be emptied anyway.
                    _inserts.Clear();
                    final.BatchCommands.Clear();
                    final.BatchCommands.Add(new NpgsqlBatchCommand($"TRUNCATE {table.QuotedName}"));
                    break;
            }
        }
        await CopyInsertsAsync(connection, table, cancellationToken).ConfigureAwait(false);
    }

    private async Task CopyInsertsAsync(NpgsqlConnection connection, TargetTable table, CancellationToken cancellationToken)
    {
        if (_inserts.Count == 0) return;
        var buffer = await CopyTextBuffer.BeginAsync(connection, $"COPY {table.QuotedName} ({string.Join(", ", table.QuotedColumns)}) FROM STDIN", cancellationToken)
            .ConfigureAwait(false);
        await using (buffer.ConfigureAwait(false))
        {
            foreach (var row in _inserts)
            {
                for (var c = 0; c < row.Length; c++)
                {
                    if (c > 0) buffer.Tab();
                    buffer.Value(row[c]);
                }
                await buffer.EndRowAsync(cancellationToken).ConfigureAwait(false);
            }
            await buffer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        _inserts.Clear();
    }

    private static NpgsqlBatchCommand DeleteOne(TargetTable table, ColumnValue[] old)
    {
        var command = new NpgsqlBatchCommand();
        command.CommandText = $"DELETE FROM {table.QuotedName} WHERE ctid = ({FirstMatch(table, old, command)})";
        return command;
    }

    /// <summary>Deletes one row equal to <paramref name="old"/> and inserts the new row; slots the update left out come from the deleted row.</summary>
    private static NpgsqlBatchCommand ReplaceOne(TargetTable table, ColumnValue[] old, ColumnValue[] image)
    {
        image = RowImages.Fill(image, old);
        var command = new NpgsqlBatchCommand();
        var sql = new StringBuilder("WITH d AS (DELETE FROM ").Append(table.QuotedName).Append(" WHERE ctid = (")
            .Append(FirstMatch(table, old, command)).Append(") RETURNING *) INSERT INTO ").Append(table.QuotedName)
            .Append(" (").Append(string.Join(", ", table.QuotedColumns)).Append(") SELECT ");
        for (var i = 0; i < image.Length; i++)
        {
            if (i > 0) sql.Append(", ");
            switch (image[i].Kind)
            {
                case ValueKind.Text:
                    sql.Append(Parameter(command, image[i].Text!)).Append("::").Append(table.ColumnTypes[i]);
                    break;
                case ValueKind.Null:
                    sql.Append("NULL");
                    break;
                default:
                    sql.Append("d.").Append(table.QuotedColumns[i]);
                    break;
            }
        }
        // The new row is written even when no old row matched: the update happened at the source.
        sql.Append(" FROM (SELECT 1) AS one LEFT JOIN d ON true");
        command.CommandText = sql.ToString();
        return command;
    }

    private static string FirstMatch(TargetTable table, ColumnValue[] old, NpgsqlBatchCommand command)
    {
        var sql = new StringBuilder("SELECT ctid FROM ").Append(table.QuotedName).Append(" WHERE ");
        var any = false;
        for (var i = 0; i < old.Length; i++)
        {
            if (!old[i].IsPresent) continue;
            if (any) sql.Append(" AND ");
            any = true;
            sql.Append(table.QuotedColumns[i]);
            if (old[i].Kind == ValueKind.Null)
                sql.Append(" IS NULL");
            else
                sql.Append("::text = ").Append(Parameter(command, old[i].Text!)).Append("::").Append(table.ColumnTypes[i]).Append("::text");
        }
        if (!any) sql.Append("false");
        return sql.Append(" LIMIT 1").ToString();
    }

    private static string Parameter(NpgsqlBatchCommand command, string text)
    {
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Unknown, Value = text });
        return "$" + command.Parameters.Count;
    }

    private static ColumnValue[] OldRow(RowChange change, TargetTable table) =>
        change.Old ?? throw CdcException.Fatal(
            $"A {change.Kind} of {table.Schema.Table}, which has no key, came without the old row; " +
            $"run ALTER TABLE {table.Schema.Table.Quoted} REPLICA IDENTITY FULL on the source (or give it a primary key).");
}
