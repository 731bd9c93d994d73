using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorCdc.Engine.Tables;

/// <summary>
/// Job: the sharded owner of one captured table (entity id <c>pipeline/schema.table</c>): drops replays at or below
/// its persisted position, persists each new batch before acknowledging it, feeds its SinkWriter in order, reports
/// applied positions to the WalReader (DESIGN.md §3.2) and snapshots itself at every checkpoint (§3.6).
/// State: persisted and applied positions, batches persisted but not applied, the incarnation's epoch, the reader's
/// session and next batch number, the sink's checkpoint token for sinks that commit at checkpoints, the counts of rows
/// the sink rejected (skipped or dead-lettered) and the table's health, reported to the WalReader for the status.
/// Supervision: a shard entity (restarted by its shard, recovering from its newest snapshot and the local events of
/// the same epoch); parent of its SinkWriter, whose failure fails the entity so it recovers with a fresh writer.
/// </summary>
public sealed class TableEntity : ReceivePersistentActor, IWithStash, IWithTimers
{
    private sealed record CheckpointTick;
    private sealed record StartSnapshotRetry;
    private sealed record Flushed(bool HandOff, Exception? Error);
    private sealed record PendingChunk(Backfill.ChunkMerge Merge, SourcePosition HighWatermark);
    private sealed record HoldWhole(WholeTableLoad Load);
    private sealed record WholeEnd(WholeTableLoad Load, SourcePosition HighWatermark);
    private sealed record CheckpointFlushed(long SequenceNr, SourcePosition Applied, Exception? Error);

    private readonly string _pipeline;
    private readonly TableId _table;
    private readonly PipelineRuntime _runtime;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LinkedList<(long SeqNr, ChangeBatch Batch)> _unapplied = new();
    private readonly long _epoch = DateTime.UtcNow.Ticks;
    private SourcePosition _persisted = SourcePosition.Start;
    private SourcePosition _applied = SourcePosition.Start;
    private SourcePosition _written = SourcePosition.Start;
    private SourcePosition _snapshotApplied = SourcePosition.Start;
    private long? _lineageEpoch;
    private byte[]? _sinkToken;
    private long _discarded;
    private long _session = -1;
    private long _nextSeq;
    private long _deletedUpTo;
    private bool _checkpointing;
    private bool _handingOff;
    private IActorRef _reader = ActorRefs.Nobody;
    private IActorRef _writer = ActorRefs.Nobody;
    private bool _commitsAtCheckpoints;
    private readonly TableBackfill _backfill = new(lookbackChanges: 200_000, lookbackBytes: 64L << 20);
    private readonly Queue<object> _outbox = new(); // to the writer, in stream order; a PendingChunk at its head holds it
    private readonly List<(SourcePosition Last, ChunkOutcome Outcome)> _pendingOutcomes = new();
    private SourcePosition _lastWatermark = SourcePosition.Start;
    private long _previousSnapshotSeqNr;
    private readonly List<(SourcePosition First, SourcePosition Last)> _openPlans = new();
    private IActorRef _coordinator = ActorRefs.Nobody;
    private SourcePosition? _pendingCommitUpTo;
    private readonly List<IActorRef> _checkpointWaiters = new(); // operators waiting for the checkpoint in progress
    private readonly List<IActorRef> _nextCheckpointWaiters = new(); // asked while another was in progress: they get the next one
    private readonly Metrics.TableMetrics _metrics;
    private long _rowsSkipped;
    private long _rowsDeadLettered;
    private SourcePosition _lastRejected = SourcePosition.Start;
    private string? _sinkProblem;
    private TableHealth? _reportedHealth;

    public TableEntity(string entityId, PipelineRegistry registry)
    {
        (_pipeline, _table) = TableEntityId.Parse(entityId);
        _runtime = registry.Get(_pipeline);
        PersistenceId = "table|" + entityId;
        _metrics = Metrics.CdcMetrics.Table(entityId);

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is not TableEntitySnapshot s) return;
            _applied = _persisted = _written = _snapshotApplied = s.Applied;
            _lineageEpoch = s.Epoch;
            _sinkToken = s.SinkToken;
            _openPlans.Clear();
            _openPlans.AddRange(s.OpenPlans);
            _rowsSkipped = s.RowsSkipped;
            _rowsDeadLettered = s.RowsDeadLettered;
            _lastRejected = s.LastRejected;
        });
        Recover<TableBatchPersisted>(e =>
        {
            // Local events are valid only for the incarnation that wrote the snapshot we start from: events of another
            // epoch were written on this node before the entity lived elsewhere, and the WAL still holds what they held.
            if (_lineageEpoch != e.Epoch)
            {
                _discarded++;
                return;
            }
            _unapplied.AddLast((LastSequenceNr, e.Batch));
            _persisted = SourcePosition.Max(_persisted, e.Batch.Last);
        });
        Recover<EpochStarted>(_ => { });
        Recover<SinkBatchPlanned>(e =>
        {
            if (_lineageEpoch == e.Epoch) _openPlans.Add((e.First, e.Last));
        });
        Recover<RecoveryCompleted>(_ => StartIncarnation());

        // Until the new epoch is snapshotted and the sink has said what it holds, nothing can be told apart from a replay.
        Command<SaveSnapshotSuccess>(s => OnStartSnapshotSaved(s.Metadata.SequenceNr));
        Command<SaveSnapshotFailure>(f =>
        {
            _log.Warning("{0}: saving the start snapshot failed: {1}; retrying", _table, f.Cause.Message);
            Timers.StartSingleTimer("start-snapshot", new StartSnapshotRetry(), TimeSpan.FromSeconds(1));
        });
        Command<StartSnapshotRetry>(_ => SaveSnapshot(CurrentSnapshot()));
        Command<Flushed>(f =>
        {
            if (f.Error is not null) _log.Warning("{0}: checkpoint storage has not confirmed the start snapshot: {1}", _table, f.Error.Message);
            StartSink();
        });
        Command<SinkWriter.SinkPositionRead>(OnSinkPosition);
        Command<HandOff>(_ => Context.Stop(Self)); // nothing new to hand over before we started
        Command<SinkWriter.Health>(OnSinkHealth);
        CommandAny(m =>
        {
            if (m is EntityChanges or EntityWatermark) _reader = Sender; // so a sink failing at start shows in the status
            Stash.Stash();
        });
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// A crashed SinkWriter would lose its queue; failing the entity instead makes it recover from its journal and
    /// hand every unapplied batch to a fresh writer.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Escalate);

    public static Props Props(string entityId, PipelineRegistry registry) =>
        Akka.Actor.Props.Create(() => new TableEntity(entityId, registry));

    private ICheckpointStore? CheckpointStore => CheckpointStorage.Get(Context.System).Store;

    private TableEntitySnapshot CurrentSnapshot() => WithCounts(new(_applied, _epoch, _sinkToken) { OpenPlans = _openPlans.ToList() });

    private TableEntitySnapshot WithCounts(TableEntitySnapshot s) =>
        s with { RowsSkipped = _rowsSkipped, RowsDeadLettered = _rowsDeadLettered, LastRejected = _lastRejected };

    private void StartIncarnation()
    {
        if (_lineageEpoch is not null)
            _log.Info("{0}: recovered from snapshot at {1} (epoch {2}); this incarnation is epoch {3}", _table, _applied, _lineageEpoch, _epoch);
        else
            _log.Info("{0}: no snapshot; this incarnation is epoch {1}", _table, _epoch);
        if (_discarded > 0)
            _log.Info("{0}: discarded {1} local journal events of an earlier incarnation; the slot replays what they held", _table, _discarded);
        var settings = _runtime.Settings;
        var sink = _runtime.SinkFactory.CreateTableSink(_table, settings.Routes.Target(_table));
        _commitsAtCheckpoints = sink is Core.Sinks.ICheckpointParticipant;
        var runtime = _runtime;
        var delivery = settings.Delivery;
        var onDataError = new DataErrorHandling(delivery.OnDataError,
            delivery.OnDataError == Configuration.DataErrorPolicy.DeadLetter ? DeadLetters.DeadLetterTargets.Create(delivery.DeadLetter, _pipeline, _table) : null,
            _pipeline);
        _writer = Context.ActorOf(SinkWriter.Props(sink, settings.Sink, () => runtime.Current.Sink, $"{_pipeline}/{_table}", onDataError), "sink-writer");
        // A new epoch, snapshotted (and uploaded) before anything else, so that no later incarnation anywhere replays
        // this node's older events on top of what this incarnation is about to apply.
        Persist(new EpochStarted(_epoch), _ => SaveSnapshot(CurrentSnapshot()));
    }

    private void OnStartSnapshotSaved(long sequenceNr)
    {
        _snapshotApplied = _applied;
        var store = CheckpointStore;
        if (store is null)
        {
            StartSink();
            return;
        }
        store.FlushAsync(PersistenceId, CancellationToken.None)
            .WaitAsync(_runtime.Settings.Checkpoints.FlushTimeout)
            .PipeTo(Self, success: () => new Flushed(false, null), failure: e => new Flushed(false, e));
    }

    private void StartSink() => _writer.Tell(new SinkWriter.ReadAppliedPosition(_sinkToken));

    private void OnSinkPosition(SinkWriter.SinkPositionRead read)
    {
        if (read.Position is { } held && held > _applied) _applied = held;
        _written = SourcePosition.Max(_written, _applied);
        _persisted = SourcePosition.Max(_persisted, _applied);
        while (_unapplied.First is { } first && first.Value.Batch.Last <= _applied) _unapplied.RemoveFirst();
        _openPlans.RemoveAll(p => p.Last <= _applied);
        if (_openPlans.Count > 0) _writer.Tell(new SinkWriter.PlannedWrites(_openPlans.ToList()));
        foreach (var (_, batch) in _unapplied) Write(batch);
        _log.Debug("{0}: sink holds {1}; {2} persisted batches to apply", _table, _applied, _unapplied.Count);

        ArmCheckpoints();
        Become(Ready);
        Stash.UnstashAll();
    }

    private void Ready()
    {
        Command<EntityChanges>(OnChanges);
        Command<EntityWatermark>(OnWatermark);
        Command<PrepareBackfill>(p =>
        {
            _coordinator = Sender;
            _backfill.Activate(p.Schema);
            Sender.Tell(new BackfillPrepared(_table, _applied));
        });
        Command<ChunkRows>(OnChunkRows);
        Command<ExportState>(_ => Sender.Tell(new ExportedState(_table, CurrentSnapshot())));
        Command<ChunkEnd>(OnChunkEnd);
        Command<AbandonChunk>(OnAbandon);
        Command<SinkWriter.Applied>(a => OnApplied(a.Position));
        Command<SinkWriter.Written>(w => _written = SourcePosition.Max(_written, w.Position));
        Command<SinkWriter.Rejected>(OnRejected);
        Command<SinkWriter.Health>(OnSinkHealth);
        Command<SinkWriter.PlanWrite>(p =>
        {
            var writer = Sender;
            Persist(new SinkBatchPlanned(_epoch, p.First, p.Last), e =>
            {
                _openPlans.Add((e.First, e.Last));
                writer.Tell(new SinkWriter.WritePlanned(e.First, e.Last));
            });
        });
        Command<CheckpointTick>(_ =>
        {
            ArmCheckpoints();
            Checkpoint(handOff: false);
            ReportHealth(always: true); // a report lost on the way, or a reader restarted since, hears it again
        });
        Command<TakeCheckpoint>(_ =>
        {
            if (_checkpointing || _handingOff)
            {
                _nextCheckpointWaiters.Add(Sender);
                return;
            }
            _checkpointWaiters.Add(Sender);
            Checkpoint(handOff: false, force: true);
        });
        Command<CheckpointFlushed>(f => AnswerCheckpointWaiters(f.Applied, f.SequenceNr, f.Error is null ? null
            : $"the snapshot is saved locally but checkpoint storage did not confirm it: {f.Error.Message}"));
        Command<HandOff>(_ =>
        {
            _handingOff = true;
            Checkpoint(handOff: true);
        });
        Command<SinkWriter.Prepared>(OnPrepared);
        Command<SinkWriter.CheckpointFailed>(f =>
        {
            _checkpointing = false;
            _log.Warning("{0}: checkpoint failed: {1}; the next one retries", _table, f.Error.Message);
            AnswerCheckpointWaiters(_applied, 0, $"the sink could not prepare the checkpoint: {f.Error.Message}");
            if (_handingOff) Context.Stop(Self);
        });
        Command<SaveSnapshotSuccess>(OnSnapshotSaved);
        Command<SaveSnapshotFailure>(f =>
        {
            _checkpointing = false;
            _log.Warning("{0}: saving a checkpoint snapshot failed: {1}; the next checkpoint retries", _table, f.Cause.Message);
            AnswerCheckpointWaiters(_applied, 0, $"saving the snapshot failed: {f.Cause.Message}");
            if (_handingOff) Context.Stop(Self);
        });
        Command<Flushed>(f =>
        {
            if (f.Error is not null) _log.Warning("{0}: checkpoint storage did not confirm the final snapshot before hand-off: {1}", _table, f.Error.Message);
            else if (f.HandOff) _log.Info("{0}: handed off after a final snapshot at {1} (epoch {2})", _table, _applied, _epoch);
            if (f.HandOff) Context.Stop(Self);
        });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("{0}: deleting applied journal events failed: {1}", _table, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    /// <summary>(Re)arms the checkpoint timer when the profile in force changed its interval.</summary>
    private void ArmCheckpoints()
    {
        var interval = _runtime.Current.Checkpoints.Interval;
        if (interval == _checkpointInterval) return;
        _checkpointInterval = interval;
        Timers.StartPeriodicTimer("checkpoint", new CheckpointTick(), interval);
    }

    private TimeSpan _checkpointInterval;

    /// <summary>
    /// Accepts the next numbered message of the reader's session; a message of a replaced session is dropped, a missing
    /// number answered with a gap (the reader reconnects from the slot).
    /// </summary>
    private bool AcceptNext(long session, long seq)
    {
        if (_handingOff) return false; // the reader's ack timeout or the next entity's gap makes it resend
        _reader = Sender;
        if (session < _session) return false;
        if (session > _session)
        {
            if (seq != 1)
            {
                Sender.Tell(new SequenceGap(_table, session, 1, seq));
                return false;
            }
            _session = session;
            _nextSeq = 1;
            if (_reportedHealth is not null) ReportHealth(always: true); // a new reader session knows nothing of it
        }
        if (seq != _nextSeq)
        {
            Sender.Tell(new SequenceGap(_table, session, _nextSeq, seq));
            return false;
        }
        _nextSeq++;
        return true;
    }

    private void OnChanges(EntityChanges m)
    {
        if (!AcceptNext(m.Session, m.Seq)) return;
        var batch = m.Batch;
        if (batch.Last <= _persisted)
        {
            Sender.Tell(new BatchPersisted(_table, m.Session, m.Seq, _applied));
            return;
        }
        if (batch.First <= _persisted) batch = Above(batch, _persisted);

        var reader = Sender;
        var session = m.Session;
        var seq = m.Seq;
        var xid = m.Xid;
        Persist(new TableBatchPersisted(_epoch, batch), e =>
        {
            _persisted = e.Batch.Last;
            _unapplied.AddLast((LastSequenceNr, e.Batch));
            _backfill.OnStreamBatch(e.Batch, xid);
            Write(e.Batch);
            reader.Tell(new BatchPersisted(_table, session, seq, _applied));
        });
    }

    private void OnWatermark(EntityWatermark w)
    {
        if (!AcceptNext(w.Session, w.Seq)) return;
        Sender.Tell(new BatchPersisted(_table, w.Session, w.Seq, _applied));
        if (w.Position <= _persisted || w.Position <= _lastWatermark) return; // a replay after a reconnect
        _lastWatermark = w.Position;
        if (!w.High)
        {
            var load = _backfill.OnLow(w.ChunkId, w.Attempt, w.Position);
            Write(new SinkWriter.PositionMarker(w.Position));
            if (load is not null) Write(new HoldWhole(load));
            return;
        }
        if (_backfill.OnHighWhole(w.ChunkId, w.Attempt, w.Position) is { } whole)
        {
            Write(new WholeEnd(whole, w.Position));
            return;
        }
        var merge = _backfill.OnHigh(w.ChunkId, w.Attempt, w.Position);
        if (merge is null)
        {
            Write(new SinkWriter.PositionMarker(w.Position)); // a chunk this incarnation knows nothing of
            return;
        }
        Write(new PendingChunk(merge, w.Position));
    }

    private void OnChunkRows(ChunkRows r)
    {
        _backfill.OnRows(r.ChunkId, r.Attempt, r.Schema, r.Rows);
        Sender.Tell(new ChunkRowsReceived(_table, r.ChunkId, r.Attempt, r.Part));
        Drain();
    }

    private void OnChunkEnd(ChunkEnd e)
    {
        _coordinator = Sender;
        var snapshot = new SnapshotVisibility(Source.Postgres.Snapshots.SnapshotInfo.Parse(e.Snapshot));
        if (!_backfill.OnEnd(e.ChunkId, e.Attempt, snapshot, e.Rows))
        {
            Sender.Tell(new ChunkOutcome(_table, e.ChunkId, e.Attempt, 0, _backfill.Active
                ? "the table entity has no record of this attempt (it restarted); read the chunk again"
                : ChunkOutcome.EntityNotPrepared));
            return;
        }
        Drain();
    }

    private void OnAbandon(AbandonChunk a)
    {
        _backfill.Abandon(a.ChunkId, a.Attempt);
        Drain();
    }

    /// <summary>Hands writes to the writer in stream order; a chunk whose high watermark passed before its rows were all in holds what follows.</summary>
    private void Write(object item)
    {
        _outbox.Enqueue(item);
        Drain();
    }

    private void Drain()
    {
        while (_outbox.Count > 0)
        {
            if (_outbox.Peek() is HoldWhole hold)
            {
                var load = hold.Load;
                var known = _backfill.Knows(load.ChunkId, load.Attempt);
                if (known && !load.IsComplete) return;
                _outbox.Dequeue();
                if (known) EmitWholeTable(load);
                continue;
            }
            if (_outbox.Peek() is WholeEnd end)
            {
                _outbox.Dequeue();
                _writer.Tell(new SinkWriter.PositionMarker(end.HighWatermark));
                continue;
            }
            if (_outbox.Peek() is PendingChunk pending)
            {
                var merge = pending.Merge;
                var abandoned = !_backfill.Knows(merge.ChunkId, merge.Attempt);
                if (!abandoned && !merge.IsComplete) return;
                _outbox.Dequeue();
                EmitChunk(merge, pending.HighWatermark, abandoned);
                continue;
            }
            _writer.Tell(_outbox.Dequeue());
        }
    }

    /// <summary>
    /// A one-pass load is complete at the head of the outbox: the held window changes up to its high watermark are
    /// replaced by TRUNCATE, the snapshot's rows and the changes it missed (or, when voided, flow on unchanged).
    /// </summary>
    private void EmitWholeTable(WholeTableLoad load)
    {
        var rows = _backfill.Finish(load);
        if (rows is null)
        {
            _coordinator.Tell(new ChunkOutcome(_table, load.ChunkId, load.Attempt, 0, load.VoidReason));
            return;
        }
        while (_outbox.Count > 0)
            if (_outbox.Dequeue() is WholeEnd e && ReferenceEquals(e.Load, load)) break;
        _writer.Tell(new SinkWriter.PositionMarker(load.HighWatermark!.Value));
        SendRows(load.Schema, rows);
        _pendingOutcomes.Add((rows[^1].Position, new ChunkOutcome(_table, load.ChunkId, load.Attempt, rows.Count - 1, null)));
    }

    /// <summary>The chunk's merged rows go to the sink at its high watermark; a voided or abandoned attempt only moves the position.</summary>
    private void EmitChunk(Backfill.ChunkMerge merge, SourcePosition highWatermark, bool abandoned)
    {
        _writer.Tell(new SinkWriter.PositionMarker(highWatermark));
        if (abandoned) return;
        var rows = _backfill.Finish(merge);
        if (rows is null)
        {
            _coordinator.Tell(new ChunkOutcome(_table, merge.ChunkId, merge.Attempt, 0, $"{merge.VoidReason}: {merge.VoidDetail}"));
            return;
        }
        if (rows.Count == 0)
        {
            _coordinator.Tell(new ChunkOutcome(_table, merge.ChunkId, merge.Attempt, 0, null));
            return;
        }
        SendRows(merge.ResultSchema, rows);
        _pendingOutcomes.Add((rows[^1].Position, new ChunkOutcome(_table, merge.ChunkId, merge.Attempt, rows.Count, null)));
    }

    private void OnApplied(SourcePosition position)
    {
        if (position <= _applied) return;
        _applied = position;
        _openPlans.RemoveAll(p => p.Last <= _applied);
        _written = SourcePosition.Max(_written, position);
        long lastSeqNr = -1;
        while (_unapplied.First is { } first && first.Value.Batch.Last <= _applied)
        {
            lastSeqNr = first.Value.SeqNr;
            _unapplied.RemoveFirst();
        }
        _reader.Tell(new BatchDurable(_table, _applied));
        while (_pendingOutcomes.Count > 0 && _pendingOutcomes[0].Last <= _applied)
        {
            _coordinator.Tell(_pendingOutcomes[0].Outcome);
            _pendingOutcomes.RemoveAt(0);
        }
        // Applied events are not needed to recover; delete them in steps to keep the journal small.
        if (lastSeqNr > 0 && (lastSeqNr - _deletedUpTo >= 64 || _unapplied.Count == 0))
        {
            DeleteMessages(lastSeqNr);
            _deletedUpTo = lastSeqNr;
        }
    }

    /// <summary>
    /// A checkpoint: sinks that commit at checkpoints prepare what they wrote first; then the snapshot; then (after it
    /// is saved) those sinks commit, which makes the changes applied.
    /// </summary>
    private void Checkpoint(bool handOff, bool force = false)
    {
        if (_checkpointing) return;
        _metrics.CheckpointStarted();
        if (_commitsAtCheckpoints)
        {
            if (_written <= _applied && !handOff && !force) return;
            _checkpointing = true;
            _writer.Tell(new SinkWriter.Prepare(handOff));
            return;
        }
        if (_applied == _snapshotApplied && !handOff && !force) return;
        _checkpointing = true;
        SaveSnapshot(CurrentSnapshot());
    }

    private void OnPrepared(SinkWriter.Prepared p)
    {
        _sinkToken = p.Token;
        _pendingCommitUpTo = p.UpTo;
        SaveSnapshot(WithCounts(new TableEntitySnapshot(SourcePosition.Max(_applied, p.UpTo), _epoch, p.Token)));
    }

    private void OnSnapshotSaved(SaveSnapshotSuccess s)
    {
        _checkpointing = false;
        _snapshotApplied = _applied;
        _metrics.CheckpointSaved(Context.System, CurrentSnapshot());
        if (_pendingCommitUpTo is { } upTo && _sinkToken is { } token)
        {
            // The checkpoint holding the token is complete: publish. Applied follows from the writer's answer.
            _writer.Tell(new SinkWriter.Commit(token, upTo));
            _pendingCommitUpTo = null;
        }
        // Events below the snapshot that are applied are not needed any more; unapplied ones stay.
        var keepFrom = _unapplied.First is { } first ? first.Value.SeqNr : s.Metadata.SequenceNr + 1;
        var deleteTo = Math.Min(s.Metadata.SequenceNr, keepFrom - 1);
        if (deleteTo > _deletedUpTo)
        {
            DeleteMessages(deleteTo);
            _deletedUpTo = deleteTo;
        }
        // Keep this snapshot and the previous one: deleting older ones at once could leave checkpoint storage without
        // any while this one's upload is still queued (retention there keeps the last N anyway).
        if (_previousSnapshotSeqNr > 0) DeleteSnapshots(new SnapshotSelectionCriteria(_previousSnapshotSeqNr - 1));
        _previousSnapshotSeqNr = s.Metadata.SequenceNr;
        if (_checkpointWaiters.Count > 0 && !_handingOff)
        {
            var sequenceNr = s.Metadata.SequenceNr;
            var applied = _applied;
            var store = CheckpointStore;
            if (store is null) AnswerCheckpointWaiters(applied, sequenceNr, null);
            else
                store.FlushAsync(PersistenceId, CancellationToken.None)
                    .WaitAsync(_runtime.Settings.Checkpoints.FlushTimeout)
                    .PipeTo(Self, success: () => new CheckpointFlushed(sequenceNr, applied, null), failure: e => new CheckpointFlushed(sequenceNr, applied, e));
        }
        if (_handingOff)
        {
            var store = CheckpointStore;
            if (store is null)
            {
                Context.Stop(Self);
                return;
            }
            store.FlushAsync(PersistenceId, CancellationToken.None)
                .WaitAsync(_runtime.Settings.Checkpoints.FlushTimeout)
                .PipeTo(Self, success: () => new Flushed(true, null), failure: e => new Flushed(true, e));
        }
    }

    /// <summary>Answers the operators waiting for a checkpoint; those who asked meanwhile get a fresh one.</summary>
    private void AnswerCheckpointWaiters(SourcePosition applied, long sequenceNr, string? error)
    {
        foreach (var w in _checkpointWaiters) w.Tell(new CheckpointTaken(_table, applied, sequenceNr, error));
        _checkpointWaiters.Clear();
        if (_nextCheckpointWaiters.Count == 0 || _handingOff || _checkpointing) return;
        _checkpointWaiters.AddRange(_nextCheckpointWaiters);
        _nextCheckpointWaiters.Clear();
        Checkpoint(handOff: false, force: true);
    }

    protected override void PostStop()
    {
        // Hand-off or failure: whoever still waits hears why instead of timing out.
        foreach (var w in _checkpointWaiters.Concat(_nextCheckpointWaiters))
            w.Tell(new CheckpointTaken(_table, _applied, 0, "the table entity stopped (handed off to another node or restarted); take the checkpoint again"));
        _metrics.Detach();
        base.PostStop();
    }

    /// <summary>
    /// Counts rows the sink rejected that the policy handled; a rejection at or below the last one counted is a replay
    /// after a restart (the dead-letter target does not store it twice either).
    /// </summary>
    private void OnRejected(SinkWriter.Rejected r)
    {
        foreach (var change in r.Changes)
        {
            if (change.Position <= _lastRejected) continue;
            _lastRejected = change.Position;
            if (r.DeadLettered) _rowsDeadLettered++;
            else _rowsSkipped++;
        }
        ReportHealth(always: false);
    }

    private void OnSinkHealth(SinkWriter.Health h)
    {
        _sinkProblem = h.Problem;
        ReportHealth(always: false);
    }

    /// <summary>Tells the WalReader (which builds the pipeline status) this table's problem and rejected-row counts.</summary>
    private void ReportHealth(bool always)
    {
        var problem = _sinkProblem;
        if (problem is null && CheckpointStore?.Lag is { LastError: { } upload })
            problem = $"checkpoint uploads are failing (retrying with backoff; snapshots stay queued): {upload}";
        var health = new TableHealth(_table, problem, _rowsSkipped, _rowsDeadLettered);
        if (!always && health == _reportedHealth) return;
        if (health.Problem is null && health.RowsSkipped == 0 && health.RowsDeadLettered == 0 && _reportedHealth is null) return;
        _reportedHealth = health;
        if (!_reader.IsNobody()) _reader.Tell(health);
    }

    private void SendRows(TableSchema schema, IReadOnlyList<RowChange> rows)
    {
        var maxRows = Math.Max(1, _runtime.Current.Sink.MaxBatchRows);
        for (var i = 0; i < rows.Count; i += maxRows)
        {
            var part = new List<RowChange>(Math.Min(maxRows, rows.Count - i));
            var bytes = 0;
            for (var j = i; j < rows.Count && j < i + maxRows; j++)
            {
                part.Add(rows[j]);
                bytes += rows[j].ApproximateBytes;
            }
            _writer.Tell(new ChangeBatch(schema, part, bytes));
        }
    }

    private static ChangeBatch Above(ChangeBatch batch, SourcePosition floor)
    {
        var kept = new List<RowChange>(batch.Changes.Count);
        var bytes = 0;
        foreach (var c in batch.Changes)
        {
            if (c.Position <= floor) continue;
            kept.Add(c);
            bytes += c.ApproximateBytes;
        }
        return new ChangeBatch(batch.Schema, kept, bytes);
    }
}
