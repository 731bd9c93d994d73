using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using ActorCdc.Source.Postgres.Snapshots;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorCdc.Engine.Snapshots;

/// <summary>
/// Job: plans each table's backfill chunks (key ranges of at most chunk-size rows), hands them to idle chunk readers,
/// at most <c>snapshot.parallelism</c> at once, and records their completion as the table entities report it, so after
/// any crash only unfinished chunks are read again (DESIGN.md §3.5, issue 4).
/// State: per table the next key to plan from, the planned chunks not yet complete, the counts behind progress;
/// snapshotted after every change (checkpoint storage carries it to the next node). Each incarnation first reads a
/// fence (the WAL insert position) and prepares entities with it: watermarks of an incarnation that died lie before it,
/// so entities drop what that incarnation left open instead of waiting for chunk ends that will never come.
/// Supervision: child of the PipelineManager (a cluster singleton); a failed read or a voided chunk is retried with a
/// new attempt; a table that cannot be backfilled is reported in its progress note, never silently skipped.
/// </summary>
public sealed class SnapshotCoordinator : ReceivePersistentActor, IWithTimers
{
    private sealed record TablePrepared(TableId Table, TableKey Key, TableSchema Schema, long EstimatedRows);
    private sealed record TablePrepareFailed(TableId Table, Exception Error);
    private sealed record ChunkPlanned(TableId Table, ChunkRange? Range);
    private sealed record PlanFailed(TableId Table, Exception Error);
    private sealed record Tick;
    private sealed record RetryTable(TableId Table);
    private sealed record FenceRead(Lsn Fence);
    private sealed record FenceFailed(Exception Error);
    private sealed record RetryFence;

    private sealed class Running(BackfillChunk chunk, IActorRef worker)
    {
        public BackfillChunk Chunk { get; } = chunk;
        public IActorRef Worker { get; } = worker;
        public DateTime StartedUtc { get; } = DateTime.UtcNow;
        public DateTime? ReadDoneUtc { get; set; }
    }

    private static readonly TimeSpan OutcomeTimeout = TimeSpan.FromMinutes(2);

    private readonly PipelineRuntime _runtime;
    private readonly IActorRef _region;
    private readonly IActorRef _manager;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<TableId, TableBackfillProgress> _tables = new();
    private readonly Dictionary<TableId, (TableKey Key, TableSchema Schema)> _shapes = new();
    private readonly Dictionary<TableId, string> _notes = new();
    private readonly Dictionary<TableId, string> _onePass = new();
    private readonly HashSet<TableId> _prepared = new();
    private readonly HashSet<TableId> _planning = new();
    private readonly Dictionary<(TableId, long), Running> _running = new();
    private readonly Queue<IActorRef> _idle = new();
    private readonly Dictionary<TableId, (DateTime Since, long Rows)> _rateBase = new();
    private readonly ChunkSplitter _splitter;
    private readonly Dictionary<TableId, TableSchema> _awaitingFence = new();
    private readonly Dictionary<TableId, IActorRef> _entities = new();
    private long _nextChunkId = 1;
    private bool _finishedReported;
    private Lsn? _fence;

    public SnapshotCoordinator(PipelineRuntime runtime, IActorRef region, IActorRef manager, IReadOnlyList<TableId> tables)
    {
        _runtime = runtime;
        _region = region;
        _manager = manager;
        _splitter = new ChunkSplitter(runtime.Settings.Source.ConnectionString);
        PersistenceId = "backfill|" + runtime.Settings.Name;

        Recover<SnapshotOffer>(o =>
        {
            if (o.Snapshot is not BackfillState s) return;
            _nextChunkId = s.NextChunkId;
            foreach (var t in s.Tables) _tables[t.Table] = t;
        });
        Recover<RecoveryCompleted>(_ =>
        {
            // An open chunk may have been read by the previous incarnation (a node that died) after its last save: its
            // low watermark can be in the WAL already. Reading it again under the same attempt would give the entity
            // two low watermarks for one attempt; every open chunk starts a new attempt and the old one is abandoned.
            foreach (var t in _tables.Values)
                for (var i = 0; i < t.Open.Count; i++)
                {
                    var old = t.Open[i];
                    region.Tell(new AbandonChunk(runtime.Settings.Name, t.Table, old.Id, old.Attempt));
                    t.Open[i] = old with { Attempt = old.Attempt + 1 };
                }
            var workers = Math.Max(runtime.Settings.For(Profile.Backfill).Snapshot.Parallelism, runtime.Settings.For(Profile.Steady).Snapshot.Parallelism);
            var source = runtime.Settings.Source;
            for (var i = 0; i < workers; i++)
                _idle.Enqueue(Context.ActorOf(ChunkReaderWorker.Props(runtime.Settings.Name, source, runtime.Settings.Snapshot.RowsPerMessage, region), $"chunk-reader-{i}"));
            Timers.StartPeriodicTimer("tick", new Tick(), TimeSpan.FromSeconds(5));
            ReadFence();
            Self.Tell(new AddTables(tables));
        });

        // The fence: where this incarnation's watermarks begin. Entities are prepared (and so chunks read) only once it
        // is known; an earlier incarnation's watermarks, replayed from the slot after a failover, lie before it.
        Command<FenceRead>(f =>
        {
            _fence = f.Fence;
            _log.Info("{0}: backfill coordinator started; its watermarks follow WAL position {1}", _runtime.Settings.Name, f.Fence);
            foreach (var schema in _awaitingFence.Values) SendPrepare(schema);
            _awaitingFence.Clear();
        });
        Command<FenceFailed>(f =>
        {
            _log.Warning("{0}: reading the WAL position before the backfill's first chunk failed: {1}; retrying in 5s", _runtime.Settings.Name, f.Error.Message);
            Timers.StartSingleTimer("fence", new RetryFence(), TimeSpan.FromSeconds(5));
        });
        Command<RetryFence>(_ => ReadFence());

        Command<AddTables>(a => AddNew(a.Tables));
        Command<TablePrepared>(p =>
        {
            _shapes[p.Table] = (p.Key, p.Schema);
            if (p.Key.Kind == KeyKind.FullRowNoKey)
                _onePass[p.Table] = "read in one pass (REPLICA IDENTITY FULL without a key): not resumable per chunk, a failure reads the whole table again";
            if (_tables.TryGetValue(p.Table, out var t)) t.EstimatedRows = p.EstimatedRows;
            SendPrepare(p.Schema);
        });
        Command<TablePrepareFailed>(f =>
        {
            if (f.Error is CdcException { Kind: FailureKind.Fatal } fatal)
            {
                _notes[f.Table] = fatal.Message;
                _log.Error("{0}: {1} cannot be backfilled: {2}", _runtime.Settings.Name, f.Table, fatal.Message);
                return;
            }
            _log.Warning("{0}: preparing the backfill of {1} failed: {2}; retrying", _runtime.Settings.Name, f.Table, f.Error.Message);
            Timers.StartSingleTimer("prepare-" + f.Table, new RetryTable(f.Table), TimeSpan.FromSeconds(5));
        });
        Command<RetryTable>(r => Prepare(r.Table));
        Command<BackfillPrepared>(p =>
        {
            WatchEntity(p.Table, Sender);
            if (!_prepared.Add(p.Table)) return;
            _rateBase[p.Table] = (DateTime.UtcNow, _tables.TryGetValue(p.Table, out var t) ? t.RowsCopied : 0);
            Schedule();
        });
        Command<Terminated>(t => OnEntityStopped(t.ActorRef));
        Command<ChunkPlanned>(OnPlanned);
        Command<PlanFailed>(f =>
        {
            _planning.Remove(f.Table);
            _log.Warning("{0}: planning the next chunk of {1} failed: {2}; retrying", _runtime.Settings.Name, f.Table, f.Error.Message);
        });
        Command<ChunkReadFinished>(OnReadFinished);
        Command<ChunkOutcome>(OnOutcome);
        Command<Tick>(_ =>
        {
            CheckTimeouts();
            Metrics.CdcMetrics.Pipeline(_runtime.Settings.Name).PublishBackfill(Progress());
            foreach (var table in _tables.Keys)
                if (!_prepared.Contains(table) && _shapes.ContainsKey(table) && IsRunning(table))
                    SendPrepare(_shapes[table].Schema); // lost on the way
            Schedule();
        });
        Command<Resnapshot>(r => OnResnapshot(r.Table));
        Command<GetBackfillProgress>(_ => Sender.Tell(new BackfillProgress(Progress())));
        Command<ExportBackfillState>(_ => Sender.Tell(new BackfillState(_nextChunkId, _tables.Values.ToList())));
        // Saved at sequence number 0 every time (no events): each save replaces the previous one.
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("{0}: saving backfill progress failed: {1}", _runtime.Settings.Name, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PipelineRuntime runtime, IActorRef region, IActorRef manager, IReadOnlyList<TableId> tables) =>
        Akka.Actor.Props.Create(() => new SnapshotCoordinator(runtime, region, manager, tables));

    private bool IsRunning(TableId table) => _tables.TryGetValue(table, out var t) && t.Status == TableBackfillStatus.Running;

    private void AddNew(IReadOnlyList<TableId> tables)
    {
        var changed = false;
        foreach (var table in tables)
        {
            if (!_tables.ContainsKey(table))
            {
                var mode = _runtime.Settings.Snapshot.ModeOf(table);
                _tables[table] = new TableBackfillProgress(table) { Status = mode == SnapshotMode.Never ? TableBackfillStatus.Skipped : TableBackfillStatus.Running };
                changed = true;
                _finishedReported = false;
            }
            if (IsRunning(table) && !_shapes.ContainsKey(table)) Prepare(table);
        }
        if (changed) SaveState();
        CheckFinished();
    }

    /// <summary>Watches the entity incarnation that prepared for a table's backfill: its merges live and die with it.</summary>
    private void WatchEntity(TableId table, IActorRef entity)
    {
        if (entity.IsNobody() || (_entities.TryGetValue(table, out var known) && known.Equals(entity))) return;
        _entities[table] = entity;
        Context.Watch(entity);
    }

    /// <summary>
    /// A table's entity stopped (moved to another node, or its node died): the chunks read for it are lost with its
    /// merges, and their readers would wait minutes for acknowledgements that never come. Read them again at once,
    /// after preparing the table's next incarnation (sharding starts it on whichever node has the table now).
    /// </summary>
    private void OnEntityStopped(IActorRef entity)
    {
        var table = _entities.FirstOrDefault(e => e.Value.Equals(entity)).Key;
        if (table is null) return; // a newer incarnation answered since
        _entities.Remove(table);
        if (!IsRunning(table)) return; // backfilled: its next incarnation keeps no lookback
        var lost = _running.Where(r => r.Key.Item1 == table).Select(r => r.Value.Chunk).ToList();
        _log.Info("{0}: the entity of {1} stopped (moved, or its node left or died); preparing its next incarnation{2}", _runtime.Settings.Name, table,
            lost.Count > 0 ? $" and reading chunk(s) {string.Join(", ", lost.Select(c => c.Id))} again" : "");
        foreach (var chunk in lost) Retry(table, chunk);
        if (_prepared.Remove(table) && _shapes.TryGetValue(table, out var shape)) SendPrepare(shape.Schema);
        Schedule();
    }

    private void ReadFence()
    {
        var connectionString = _runtime.Settings.Source.ConnectionString;
        Watermarks.FenceAsync(connectionString).PipeTo(Self, success: f => new FenceRead(f), failure: e => new FenceFailed(e));
    }

    private void SendPrepare(TableSchema schema)
    {
        if (_fence is { } fence) _region.Tell(new PrepareBackfill(_runtime.Settings.Name, schema, fence), Self);
        else _awaitingFence[schema.Table] = schema;
    }

    private void Prepare(TableId table)
    {
        var splitter = _splitter;
        Task.Run(async () =>
        {
            var key = await splitter.DescribeKeyAsync(table, CancellationToken.None).ConfigureAwait(false);
            var schema = await splitter.ReadSchemaAsync(table, CancellationToken.None).ConfigureAwait(false);
            var estimate = await splitter.EstimateRowsAsync(table, CancellationToken.None).ConfigureAwait(false);
            return new TablePrepared(table, key, schema, estimate);
        }).PipeTo(Self, success: p => p, failure: e => new TablePrepareFailed(table, e));
    }

    /// <summary>Fills idle readers: open chunks first (retries and chunks planned before a restart), then new ones.</summary>
    private void Schedule()
    {
        var parallelism = _runtime.Current.Snapshot.Parallelism;
        var progress = true;
        while (progress && _idle.Count > 0 && _running.Count < parallelism)
        {
            progress = false;
            foreach (var t in _tables.Values)
            {
                if (t.Status != TableBackfillStatus.Running || !_prepared.Contains(t.Table)) continue;
                var chunk = t.Open.FirstOrDefault(c => !_running.ContainsKey((t.Table, c.Id)));
                if (chunk is not null)
                {
                    Dispatch(t.Table, chunk);
                    progress = true;
                    break;
                }
                if (!t.Planned && _planning.Add(t.Table))
                {
                    Plan(t);
                    progress = true;
                }
            }
        }
    }

    private void Plan(TableBackfillProgress t)
    {
        if (_onePass.ContainsKey(t.Table))
        {
            Self.Tell(new ChunkPlanned(t.Table, t.Open.Count == 0 && t.ChunksDone == 0 ? ChunkRange.All : null));
            return;
        }
        var key = _shapes[t.Table].Key;
        var cursor = t.Cursor;
        var size = _runtime.Current.Snapshot.ChunkSize;
        var table = t.Table;
        _splitter.NextChunkAsync(key, cursor, null, size, CancellationToken.None)
            .PipeTo(Self, success: r => new ChunkPlanned(table, r), failure: e => new PlanFailed(table, e));
    }

    private void OnPlanned(ChunkPlanned p)
    {
        _planning.Remove(p.Table);
        if (!_tables.TryGetValue(p.Table, out var t) || t.Status != TableBackfillStatus.Running) return;
        if (p.Range is null)
        {
            t.Planned = true;
        }
        else
        {
            t.Open.Add(new BackfillChunk(_nextChunkId++, p.Range, 1));
            t.Cursor = p.Range.HighExclusive;
            if (p.Range.HighExclusive is null) t.Planned = true;
        }
        SaveState();
        CheckTableDone(t);
        Schedule();
    }

    private void Dispatch(TableId table, BackfillChunk chunk)
    {
        var worker = _idle.Dequeue();
        var (key, schema) = _shapes[table];
        _running[(table, chunk.Id)] = new Running(chunk, worker);
        worker.Tell(new ReadChunk(key, schema, chunk));
    }

    private void OnReadFinished(ChunkReadFinished f)
    {
        _idle.Enqueue(Sender);
        if (_running.TryGetValue((f.Table, f.ChunkId), out var r) && r.Chunk.Attempt == f.Attempt)
        {
            if (f.Error is null)
            {
                r.ReadDoneUtc = DateTime.UtcNow;
            }
            else
            {
                _log.Warning("{0}: reading chunk {1} of {2} (attempt {3}) failed: {4}; reading it again",
                    _runtime.Settings.Name, f.ChunkId, f.Table, f.Attempt, f.Error.Message);
                Retry(f.Table, r.Chunk);
            }
        }
        Schedule();
    }

    private void OnOutcome(ChunkOutcome o)
    {
        if (!_tables.TryGetValue(o.Table, out var t)) return;
        var index = t.Open.FindIndex(c => c.Id == o.ChunkId && c.Attempt == o.Attempt);
        if (index < 0) return; // an older attempt, or already counted
        if (o.VoidReason is not null)
        {
            _log.Info("{0}: chunk {1} of {2} must be read again ({3})", _runtime.Settings.Name, o.ChunkId, o.Table, o.VoidReason);
            Retry(o.Table, t.Open[index]);
            // The entity moved or restarted since it was prepared: without preparing it again (a fresh lookback), every
            // further attempt would be voided the same way. Chunks of the table wait for its BackfillPrepared.
            if (o.VoidReason == ChunkOutcome.EntityNotPrepared && _prepared.Remove(o.Table) && _shapes.TryGetValue(o.Table, out var shape))
                SendPrepare(shape.Schema);
            Schedule();
            return;
        }
        if (_running.Remove((o.Table, o.ChunkId), out var run))
            _log.Debug("{0}: chunk {1} of {2}: {3} rows, read in {4:0.000}s, committed {5:0.000}s later", _runtime.Settings.Name, o.ChunkId, o.Table, o.Rows,
                ((run.ReadDoneUtc ?? DateTime.UtcNow) - run.StartedUtc).TotalSeconds, (DateTime.UtcNow - (run.ReadDoneUtc ?? DateTime.UtcNow)).TotalSeconds);
        t.Open.RemoveAt(index);
        t.RowsCopied += o.Rows;
        t.ChunksDone++;
        SaveState();
        CheckTableDone(t);
        Schedule();
    }

    /// <summary>Abandons the attempt at its entity and queues the next attempt of the same range.</summary>
    private void Retry(TableId table, BackfillChunk chunk)
    {
        if (_running.Remove((table, chunk.Id), out var run) && run.Chunk.Attempt == chunk.Attempt)
            run.Worker.Tell(new ChunkReaderWorker.CancelRead(chunk.Id, chunk.Attempt)); // frees the worker for other chunks
        _region.Tell(new AbandonChunk(_runtime.Settings.Name, table, chunk.Id, chunk.Attempt));
        var t = _tables[table];
        var index = t.Open.FindIndex(c => c.Id == chunk.Id);
        if (index >= 0) t.Open[index] = chunk with { Attempt = chunk.Attempt + 1 };
        SaveState();
    }

    private void CheckTimeouts()
    {
        var now = DateTime.UtcNow;
        foreach (var ((table, _), r) in _running.ToList())
            if (r.ReadDoneUtc is { } done && now - done > OutcomeTimeout)
            {
                _log.Warning("{0}: no outcome for chunk {1} of {2} within {3}; reading it again", _runtime.Settings.Name, r.Chunk.Id, table, OutcomeTimeout);
                Retry(table, r.Chunk);
            }
    }

    private void CheckTableDone(TableBackfillProgress t)
    {
        if (t.Status != TableBackfillStatus.Running || !t.Planned || t.Open.Count > 0) return;
        t.Status = TableBackfillStatus.Done;
        _region.Tell(new EndBackfill(_runtime.Settings.Name, t.Table));
        _log.Info("{0}: backfill of {1} finished: {2} rows in {3} chunks", _runtime.Settings.Name, t.Table, t.RowsCopied, t.ChunksDone);
        SaveState();
        CheckFinished();
    }

    private void CheckFinished()
    {
        if (_finishedReported) return;
        foreach (var t in _tables.Values)
            if (t.Status == TableBackfillStatus.Running && !_notes.ContainsKey(t.Table)) return;
        _finishedReported = true;
        _manager.Tell(new BackfillFinished(_runtime.Settings.Name));
    }

    private void OnResnapshot(TableId table)
    {
        if (!_tables.TryGetValue(table, out var t))
        {
            Sender.Tell($"{table} is not captured by pipeline {_runtime.Settings.Name}");
            return;
        }
        foreach (var chunk in t.Open)
            if (_running.Remove((table, chunk.Id)))
                _region.Tell(new AbandonChunk(_runtime.Settings.Name, table, chunk.Id, chunk.Attempt));
        _tables[table] = new TableBackfillProgress(table);
        _prepared.Remove(table);
        _shapes.Remove(table);
        _notes.Remove(table);
        _finishedReported = false;
        SaveState();
        Prepare(table);
        Sender.Tell($"re-snapshot of {table} started");
    }

    protected override void PostStop()
    {
        Metrics.CdcMetrics.Pipeline(_runtime.Settings.Name).PublishBackfill(null);
        base.PostStop();
    }

    private void SaveState()
    {
        SaveSnapshot(new BackfillState(_nextChunkId, _tables.Values.ToList()));
        Metrics.CdcMetrics.Pipeline(_runtime.Settings.Name).PublishBackfill(Progress());
    }

    private IReadOnlyList<BackfillTableProgress> Progress()
    {
        var list = new List<BackfillTableProgress>();
        var chunkSize = Math.Max(1, _runtime.Current.Snapshot.ChunkSize);
        foreach (var t in _tables.Values.OrderBy(t => t.Table))
        {
            var rate = 0.0;
            if (_rateBase.TryGetValue(t.Table, out var b))
            {
                var seconds = (DateTime.UtcNow - b.Since).TotalSeconds;
                if (seconds > 0) rate = (t.RowsCopied - b.Rows) / seconds;
            }
            var total = t.Planned ? t.ChunksDone + t.Open.Count : Math.Max(t.ChunksDone + t.Open.Count, (t.EstimatedRows + chunkSize - 1) / chunkSize);
            TimeSpan? eta = t.Status == TableBackfillStatus.Running && rate > 0
                ? TimeSpan.FromSeconds(Math.Max(0, t.EstimatedRows - t.RowsCopied) / rate)
                : null;
            list.Add(new BackfillTableProgress(t.Table, t.Status, t.RowsCopied, t.EstimatedRows, t.ChunksDone, total, t.Planned, rate, eta,
                _notes.TryGetValue(t.Table, out var note) ? note : _onePass.GetValueOrDefault(t.Table)));
        }
        return list;
    }
}
