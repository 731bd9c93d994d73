using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Sink.Postgres.Positions;
using ActorCdc.Sink.Postgres.Target;
using ActorCdc.Sink.Postgres.Writing;
using Npgsql;

namespace ActorCdc.Sink.Postgres;

/// <summary>
/// Writes one source table's changes into a PostgreSQL table, storing the applied position in the same transaction
/// so that replays are skipped: exactly-once in effect (DESIGN.md §3.4).
/// </summary>
public sealed class PostgresTableSink : ITableSink
{
    private readonly PostgresSinkFactory _factory;
    private readonly IChangeWriter _keyedWriter;
    private readonly KeylessWriter _keylessWriter = new();
    private TargetTable? _target;

    internal PostgresTableSink(PostgresSinkFactory factory, TableId source, TableId target)
    {
        _factory = factory;
        Source = source;
        Target = target;
        _keyedWriter = factory.Settings.BatchStrategy switch
        {
            PostgresBatchStrategy.CopyMerge => new CopyMergeWriter(),
            PostgresBatchStrategy.MultiRowInsert => new MultiRowInsertWriter(),
            _ => new UnnestWriter(),
        };
    }

    public TableId Source { get; }
    public TableId Target { get; }

    public async Task<SourcePosition?> ReadAppliedPositionAsync(CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _factory.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await _factory.EnsurePositionsTableAsync(connection, cancellationToken).ConfigureAwait(false);
                await using var read = _factory.Positions.ReadCommand(connection, _factory.Pipeline, Source);
                await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await AppliedPositionsTable.ReadPositionAsync(reader, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            throw _factory.Failures.Classify(e, $"reading the applied position of {Source}");
        }
    }

    public async Task ApplyAsync(TableSchema schema, IReadOnlyList<RowChange> changes, SourcePosition upTo, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _factory.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await _factory.EnsurePositionsTableAsync(connection, cancellationToken).ConfigureAwait(false);
                var table = await EnsureTargetAsync(connection, schema, cancellationToken).ConfigureAwait(false);
                await ApplyInTransactionAsync(connection, table, changes, upTo, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // The target may have changed under us, or DDL was rolled back: describe it again next time.
            _target = null;
            throw _factory.Failures.Classify(e, $"applying changes of {Source} to {Target}");
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task ApplyInTransactionAsync(NpgsqlConnection connection, TargetTable table, IReadOnlyList<RowChange> changes, SourcePosition upTo,
        CancellationToken cancellationToken)
    {
        var writer = table.Schema.HasKey ? _keyedWriter : _keylessWriter;
        var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (tx.ConfigureAwait(false))
        {
            var stored = await LockPositionAsync(connection, table, writer, cancellationToken).ConfigureAwait(false);
            var first = 0;
            while (first < changes.Count && changes[first].Position <= stored) first++;
            // A replay of what the sink already holds: nothing to write (disposing rolls back).
            if (first == changes.Count && upTo <= stored) return;

            await using var final = new NpgsqlBatch(connection);
            if (first < changes.Count)
                await writer.WriteAsync(connection, table, changes, first, final, cancellationToken).ConfigureAwait(false);
            final.BatchCommands.Add(_factory.Positions.StoreCommand(_factory.Pipeline, Source, SourcePosition.Max(stored, upTo)));
            await final.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<SourcePosition> LockPositionAsync(NpgsqlConnection connection, TargetTable table, IChangeWriter writer, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(_factory.Positions.LockCommand(_factory.Pipeline, Source));
        writer.AddPrologue(batch, table);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var stored = await AppliedPositionsTable.ReadPositionAsync(reader, cancellationToken).ConfigureAwait(false);
        // Surfaces errors of the prologue commands here rather than at dispose.
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
        {
        }
        return stored;
    }

    private async Task<TargetTable> EnsureTargetAsync(NpgsqlConnection connection, TableSchema schema, CancellationToken cancellationToken)
    {
        var current = _target;
        if (current is not null && (ReferenceEquals(current.Schema, schema) || current.Schema.SameShapeAs(schema))) return current;
        return _target = await TargetTableDdl.EnsureAsync(connection, Target, schema, cancellationToken).ConfigureAwait(false);
    }
}
