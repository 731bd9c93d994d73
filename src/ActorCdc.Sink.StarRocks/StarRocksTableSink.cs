using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Sink.StarRocks.Ddl;
using ActorCdc.Sink.StarRocks.Failures;
using ActorCdc.Sink.StarRocks.Http;
using ActorCdc.Sink.StarRocks.Labels;
using ActorCdc.Sink.StarRocks.Loads;

namespace ActorCdc.Sink.StarRocks;

/// <summary>
/// At-least-once StarRocks table sink: every write becomes one or more Stream Loads whose labels are derived from the
/// positions of their rows, so a retry or a replay is refused by StarRocks as already loaded and upserts by primary key
/// make the effect exactly-once (DESIGN.md §3.4). StarRocks holds no positions: <see cref="ReadAppliedPositionAsync"/>
/// returns null, and keeping a batch's boundaries across a crash is the engine's job.
/// </summary>
public sealed class StarRocksTableSink : ITableSink, IRequiresStableBatches, ILoadTarget
{
    private readonly StarRocksSinkFactory _factory;
    private readonly LoadPlanner _planner;
    private readonly LoadPacer _pacer;
    private readonly string _labelHash;
    private TargetTable? _target;

    internal StarRocksTableSink(StarRocksSinkFactory factory, TableId source, string database, string table)
    {
        _factory = factory;
        Source = source;
        Database = database;
        Table = table;
        var s = factory.Settings;
        _planner = new LoadPlanner(s.Unrepresentable, s.MaxBatchRows, s.MaxBatchBytes);
        _pacer = new LoadPacer(s.MinLoadInterval);
        _labelHash = LoadLabel.TableHash(factory.Pipeline, source.ToString(), database, table);
    }

    public TableId Source { get; }
    public string Database { get; }
    public string Table { get; }

    /// <summary>Loads sent since the sink was created (including those StarRocks already had).</summary>
    public int Loads { get; private set; }

    /// <summary>Loads StarRocks reported as already loaded under their label (replays and retries).</summary>
    public int AlreadyLoaded { get; private set; }

    public Task<SourcePosition?> ReadAppliedPositionAsync(CancellationToken cancellationToken) => Task.FromResult<SourcePosition?>(null);

    /// <summary>Loads the changes; when the task completes every one of them is visible in StarRocks (or committed and about to be).</summary>
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
            // The table may have been dropped or altered under us: describe it again next time.
            _target = null;
            if (TransportFailures.IsTransport(e)) throw TransportFailures.Transient(_factory.Pipeline, $"loading {Source} into {Database}.{Table}", e);
            throw;
        }
    }

    async Task ILoadTarget.LoadAsync(LoadGroup load, CancellationToken cancellationToken)
    {
        await _pacer.WaitTurnAsync(cancellationToken).ConfigureAwait(false);
        var label = LoadLabel.ForRange(_factory.Settings.LabelPrefix, _labelHash, load.First, load.Last, load.LabelVariant);
        var outcome = await _factory.Loads.LoadAsync(new LoadRequest(Database, Table, label, load.Body, load.Rows, load.Columns), cancellationToken)
            .ConfigureAwait(false);
        _pacer.Loaded();
        Loads++;
        if (outcome == LoadOutcome.AlreadyLoaded) AlreadyLoaded++;
    }

    Task ILoadTarget.TruncateAsync(SourcePosition at, CancellationToken cancellationToken) =>
        _factory.Truncations.TruncateOnceAsync(Database, Table, Source.ToString(), LoadLabel.ForTruncate(_factory.Settings.LabelPrefix, _labelHash, at), at,
            cancellationToken);

    public ValueTask DisposeAsync()
    {
        _planner.Dispose();
        return ValueTask.CompletedTask;
    }
}
