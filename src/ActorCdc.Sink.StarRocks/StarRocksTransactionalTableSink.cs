using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Sink.StarRocks.Ddl;
using ActorCdc.Sink.StarRocks.Failures;
using ActorCdc.Sink.StarRocks.Labels;
using ActorCdc.Sink.StarRocks.Loads;
using ActorCdc.Sink.StarRocks.Transactions;

namespace ActorCdc.Sink.StarRocks;

/// <summary>
/// Exactly-once StarRocks table sink (<c>sink.semantic = exactly-once</c>): writes go into Transaction Stream Loads that
/// <see cref="PrepareAsync"/> prepares at a checkpoint and <see cref="CommitAsync"/> commits once the checkpoint is complete;
/// <see cref="RecoverAsync"/> commits the last checkpoint's transactions and rolls back lingering ones. Nothing is visible
/// before its checkpoint commits, so <see cref="ApplyAsync"/> completing means "in an open transaction", not "committed".
/// </summary>
/// <remarks>
/// Transaction labels are <c>{prefix}-{table hash}-x{n}</c>; the token carries the next <c>n</c>, so that recovery finds
/// transactions begun after the checkpoint by asking for the labels that follow until StarRocks knows none. All loads of
/// one transaction must use identical parameters, so rows of another column set (a partial update) open the next
/// transaction; transactions commit in the order they began, which keeps the per-key order.
/// </remarks>
public sealed class StarRocksTransactionalTableSink : ITableSink, ICheckpointParticipant, ILoadTarget
{
    private readonly StarRocksSinkFactory _factory;
    private readonly LoadPlanner _planner;
    private readonly string _labelHash;
    private readonly List<CheckpointStep> _steps = [];
    private readonly List<string> _unprepared = [];
    private string? _openLabel;
    private string? _openColumns;
    private long _nextSequence;
    private TargetTable? _target;

    internal StarRocksTransactionalTableSink(StarRocksSinkFactory factory, TableId source, string database, string table)
    {
        _factory = factory;
        Source = source;
        Database = database;
        Table = table;
        var s = factory.Settings;
        _planner = new LoadPlanner(s.Unrepresentable, s.MaxBatchRows, s.MaxBatchBytes);
        _labelHash = LoadLabel.TableHash(factory.Pipeline, source.ToString(), database, table);
    }

    public TableId Source { get; }
    public string Database { get; }
    public string Table { get; }

    /// <summary>Labels of the transactions begun since the last <see cref="PrepareAsync"/>, in commit order.</summary>
    public IReadOnlyList<string> OpenTransactions => _unprepared;

    public Task<SourcePosition?> ReadAppliedPositionAsync(CancellationToken cancellationToken) => Task.FromResult<SourcePosition?>(null);

    /// <summary>Loads the changes into the open transaction(s); they become visible when their checkpoint commits.</summary>
    public async Task ApplyAsync(TableSchema schema, IReadOnlyList<RowChange> changes, SourcePosition upTo, CancellationToken cancellationToken)
    {
        if (changes.Count == 0) return;
        try
        {
            var target = _target is { } t && t.Fits(schema)
                ? t
                : _target = await _factory.Tables.EnsureAsync(Database, Table, schema, cancellationToken).ConfigureAwait(false);
            await _planner.PlanAsync(target, changes, this, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            _target = null;
            if (TransportFailures.IsTransport(e)) throw TransportFailures.Transient(_factory.Pipeline, $"loading {Source} into {Database}.{Table}", e);
            throw;
        }
    }

    /// <summary>Prepares every transaction begun since the last checkpoint and returns a token naming them.</summary>
    public async Task<byte[]> PrepareAsync(SourcePosition upTo, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var label in _unprepared)
                await _factory.Transactions.PrepareAsync(Database, Table, label, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (TransportFailures.IsTransport(e))
        {
            throw TransportFailures.Transient(_factory.Pipeline, $"preparing the transactions of {Database}.{Table}", e);
        }
        var token = new CheckpointToken(_nextSequence, upTo, _steps.ToArray());
        _steps.Clear();
        _unprepared.Clear();
        _openLabel = null;
        _openColumns = null;
        return token.ToBytes();
    }

    /// <summary>Commits the token's transactions and truncations in order; idempotent.</summary>
    public async Task CommitAsync(byte[] token, CancellationToken cancellationToken)
    {
        var parsed = Parse(token);
        try
        {
            foreach (var step in parsed.Steps)
            {
                if (step.Kind == CheckpointStepKind.Transaction)
                    await _factory.Transactions.CommitAsync(Database, Table, step.Label, cancellationToken).ConfigureAwait(false);
                else
                    await _factory.Truncations.TruncateOnceAsync(Database, Table, Source.ToString(), step.Label, step.At, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (TransportFailures.IsTransport(e))
        {
            throw TransportFailures.Transient(_factory.Pipeline, $"committing a checkpoint of {Database}.{Table}", e);
        }
    }

    /// <summary>
    /// Commits what the last completed checkpoint prepared, then rolls back every transaction of this table begun after it
    /// (labels from the token's next sequence on, until one StarRocks does not know).
    /// </summary>
    public async Task RecoverAsync(byte[]? token, CancellationToken cancellationToken)
    {
        _steps.Clear();
        _unprepared.Clear();
        _openLabel = null;
        _openColumns = null;
        var next = 0L;
        if (token is not null)
        {
            await CommitAsync(token, cancellationToken).ConfigureAwait(false);
            next = Parse(token).NextSequence;
        }
        var resume = next;
        try
        {
            for (var sequence = next; ; sequence++)
            {
                var label = LoadLabel.ForTransaction(_factory.Settings.LabelPrefix, _labelHash, sequence);
                var state = await _factory.Loads.GetLoadStateAsync(Database, label, cancellationToken).ConfigureAwait(false);
                if (state == "UNKNOWN") break;
                if (state is "PREPARE" or "PREPARED")
                    await _factory.Transactions.RollbackAsync(Database, Table, label, cancellationToken).ConfigureAwait(false);
                // A committed label cannot be begun again; an aborted one can.
                else if (state is "COMMITTED" or "VISIBLE") resume = sequence + 1;
            }
        }
        catch (Exception e) when (TransportFailures.IsTransport(e))
        {
            throw TransportFailures.Transient(_factory.Pipeline, $"rolling back lingering transactions of {Database}.{Table}", e);
        }
        _nextSequence = resume;
    }

    async Task ILoadTarget.LoadAsync(LoadGroup load, CancellationToken cancellationToken)
    {
        if (_openLabel is null || !string.Equals(_openColumns, load.Columns, StringComparison.Ordinal))
            await BeginAsync(load.Columns, cancellationToken).ConfigureAwait(false);
        await _factory.Transactions.LoadAsync(Database, Table, _openLabel!, load.Body, load.Columns, cancellationToken).ConfigureAwait(false);
    }

    Task ILoadTarget.TruncateAsync(SourcePosition at, CancellationToken cancellationToken)
    {
        // Rows after the truncation go into a new transaction, committed after it.
        _openLabel = null;
        _openColumns = null;
        _steps.Add(new CheckpointStep(CheckpointStepKind.Truncate, LoadLabel.ForTruncate(_factory.Settings.LabelPrefix, _labelHash, at), at));
        return Task.CompletedTask;
    }

    private async Task BeginAsync(string? columns, CancellationToken cancellationToken)
    {
        for (var tries = 0; ; tries++)
        {
            var label = LoadLabel.ForTransaction(_factory.Settings.LabelPrefix, _labelHash, _nextSequence++);
            if (await _factory.Transactions.BeginAsync(Database, Table, label, cancellationToken).ConfigureAwait(false))
            {
                _openLabel = label;
                _openColumns = columns;
                _unprepared.Add(label);
                _steps.Add(new CheckpointStep(CheckpointStepKind.Transaction, label, SourcePosition.Start));
                return;
            }
            // The label belongs to a transaction RecoverAsync did not see (it was not called): never reuse it.
            if (tries >= 1000)
                throw CdcException.Fatal(
                    $"Pipeline '{_factory.Pipeline}': 1000 transaction labels of {Database}.{Table} after {label} are taken; call RecoverAsync at start, " +
                    "or choose a new sink.label-prefix.");
        }
    }

    private static CheckpointToken Parse(byte[] token)
    {
        try
        {
            return CheckpointToken.Parse(token);
        }
        catch (FormatException e)
        {
            throw CdcException.Fatal($"{e.Message}; the checkpoint belongs to another sink type or version — restore a checkpoint this sink wrote.", e);
        }
    }

    public ValueTask DisposeAsync()
    {
        _planner.Dispose();
        return ValueTask.CompletedTask;
    }
}
