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
    /// <summary>Asks for <see cref="PendingSink"/> (a local query: status and tests).</summary>
    public sealed record GetPendingSink;

    /// <summary>Batches persisted and not applied in the sink: rows, bytes, and how many bytes of them are in memory.</summary>
    public sealed record PendingSink(long Rows, long Bytes, long ResidentBytes, SourcePosition Applied, SourcePosition Durable);

    private sealed record CheckpointTick;
    private sealed record StartSnapshotRetry;
    private sealed record Flushed(bool HandOff, Exception? Error);
    private sealed record PendingChunk(Backfill.ChunkMerge Merge, SourcePosition HighWatermark);
    private sealed record HoldWhole(WholeTableLoad Load);
    private sealed record WholeEnd(WholeTableLoad Load, SourcePosition HighWatermark);
    private sealed record CheckpointFlushed(long SequenceNr, SourcePosition Applied, Exception? Error);
    private sealed record SegmentShipped(JournalSegmentRef Segment, List<UnappliedBatch> Batches, SourcePosition Cut);
    private sealed record CheckpointCompleted(SourcePosition Cut, long SnapshotSeqNr, List<JournalSegmentRef> Unreferenced, Exception? Error);
    private sealed record SegmentLoaded(JournalSegmentRef Segment, List<(long SeqNr, ChangeBatch Batch)> Batches);
    private sealed record SegmentLoadFailed(JournalSegmentRef Segment, Exception Error);
    private sealed record SegmentRetry;

    /// <summary>
    /// A batch persisted and not applied. With ack-on = checkpointed it may be evicted from memory once shipped
    /// (<see cref="Batch"/> null, read back from <see cref="Segment"/>); a placeholder stands for a whole segment a
    /// snapshot listed and that has not been read yet.
    /// </summary>
    private sealed class UnappliedBatch(long seqNr, SourcePosition last, long rows, long bytes, ChangeBatch? batch)
    {
        public long SeqNr { get; } = seqNr;
        public SourcePosition Last { get; } = last;
        public long Rows { get; } = rows;
        public long Bytes { get; } = bytes;
        public ChangeBatch? Batch { get; set; } = batch;
        public JournalSegmentRef? Segment { get; set; }
        public bool Placeholder { get; init; }
        public bool Sent { get; set; }
    }

    private readonly string _pipeline;
    private readonly TableId _table;
    private readonly PipelineRuntime _runtime;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LinkedList<UnappliedBatch> _unapplied = new();
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

    // ack-on = checkpointed (DESIGN.md §3.3): shipped segments still holding unapplied batches, segments fully applied
    // and awaiting deletion, the position every batch up to which is in a completed checkpoint, and what of the
    // unapplied batches is in memory or with the writer.
    private bool _checkpointedMode;
    private bool _journalGap;
    private readonly List<JournalSegmentRef> _segments = new();
    private readonly List<JournalSegmentRef> _retired = new();
    private SourcePosition _checkpointedPosition = SourcePosition.Start;
    private long _residentBytes;
    private long _sentBytes;
    private JournalSegmentRef? _loading;
    private long _pendingRows;
    private long _pendingBytes;

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
            // ack-on = checkpointed: what the snapshot's segments hold is persisted (and checkpointed) but maybe not applied.
            _segments.Clear();
            _segments.AddRange(s.Segments);
            _unapplied.Clear();
            foreach (var seg in s.Segments)
            {
                AddUnapplied(new UnappliedBatch(seg.ToSeqNr, seg.Last, seg.Rows, seg.Bytes, null) { Segment = seg, Placeholder = true });
                _persisted = SourcePosition.Max(_persisted, seg.Last);
            }
            _checkpointedPosition = _persisted;
            _journalGap = s.JournalGap;
        });
        Recover<TableBatchPersisted>(e =>
        {
            // Local events are valid only for the incarnation that wrote the snapshot we start from: events of another
            // epoch were written on this node before the entity lived elsewhere, and the WAL still holds what they held.
            if (_lineageEpoch != e.Epoch || _journalGap)
            {
                _discarded++;
                return;
            }
            if (e.Batch.Last <= _persisted) return; // already in a segment of the snapshot
            AddUnapplied(new UnappliedBatch(LastSequenceNr, e.Batch.Last, e.Batch.Changes.Count, e.Batch.ApproximateBytes, e.Batch));
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
            // ack-on = checkpointed: batches are persisted, checkpointed and acknowledged while the sink is down, so
            // the entity does not wait for the sink to say what it holds; only the writes do.
            if (_checkpointedMode && f.Error is null) ReadyBeforeSink();
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

    private TableEntitySnapshot CurrentSnapshot() =>
        WithCounts(new(_applied, _epoch, _sinkToken) { OpenPlans = _openPlans.ToList(), Segments = _segments.ToList(), JournalGap = HasJournalGap() });

    private TableEntitySnapshot WithCounts(TableEntitySnapshot s) =>
        s with { RowsSkipped = _rowsSkipped, RowsDeadLettered = _rowsDeadLettered, LastRejected = _lastRejected };

    /// <summary>Whether a snapshot taken now would leave persisted, unapplied batches in neither itself nor a segment (see <see cref="TableEntitySnapshot.JournalGap"/>).</summary>
    private bool HasJournalGap()
    {
        foreach (var u in _unapplied)
            if (u.Segment is null && !u.Placeholder)
                return true;
        return false;
    }

    /// <summary>How far the slot may move for this table: applied, or with ack-on = checkpointed also what a completed checkpoint holds.</summary>
    private SourcePosition Durable => _checkpointedMode ? SourcePosition.Max(_applied, _checkpointedPosition) : _applied;

    private BatchDurable DurableMessage() => new(_table, Durable) { PendingSinkRows = _pendingRows, PendingSinkBytes = _pendingBytes };

    private void AddUnapplied(UnappliedBatch u)
    {
        _unapplied.AddLast(u);
        if (u.Batch is not null) _residentBytes += u.Bytes;
        _pendingRows += u.Rows;
        _pendingBytes += u.Bytes;
    }

    private void RemoveFirstUnapplied()
    {
        var u = _unapplied.First!.Value;
        _unapplied.RemoveFirst();
        if (u.Batch is not null) _residentBytes -= u.Bytes;
        if (u.Sent) _sentBytes -= u.Bytes;
        _pendingRows -= u.Rows;
        _pendingBytes -= u.Bytes;
    }

    private void StartIncarnation()
    {
        if (_lineageEpoch is not null)
            _log.Info("{0}: recovered from snapshot at {1} (epoch {2}); this incarnation is epoch {3}", _table, _applied, _lineageEpoch, _epoch);
        else
            _log.Info("{0}: no snapshot; this incarnation is epoch {1}", _table, _epoch);
        if (_discarded > 0)
            _log.Info("{0}: discarded {1} local journal events (of an earlier incarnation, or after a snapshot that left a journal gap); the slot replays what they held", _table, _discarded);
        var settings = _runtime.Settings;
        var sink = _runtime.SinkFactory.CreateTableSink(_table, settings.Routes.Target(_table));
        _commitsAtCheckpoints = sink is Core.Sinks.ICheckpointParticipant;
        if (settings.Delivery.AckOn == Configuration.AckOn.Checkpointed)
        {
            if (CheckpointStorage.Get(Context.System).Segments is null)
                _log.Warning("{0}: delivery.ack-on = checkpointed needs checkpoint storage (actorcdc.state.checkpoints.storage); acknowledging on applied instead", _table);
            else if (_commitsAtCheckpoints)
                _log.Warning("{0}: the sink commits at checkpoints already; delivery.ack-on = checkpointed acknowledges on its commits (applied)", _table);
            else
                _checkpointedMode = true;
        }
        if (!_checkpointedMode && _segments.Count > 0)
            _log.Warning("{0}: the snapshot lists {1} journal segment(s) of ack-on = checkpointed; they are still written to the sink", _table, _segments.Count);
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

    private bool _sinkKnown = true;

    private void ReadyBeforeSink()
    {
        _sinkKnown = false;
        foreach (var u in _unapplied) _outbox.Enqueue(u); // written, in order, once the sink's position is known
        ArmCheckpoints();
        Become(Ready);
        Stash.UnstashAll();
    }

    private void OnSinkPosition(SinkWriter.SinkPositionRead read)
    {
        if (read.Position is { } held && held > _applied) _applied = held;
        _written = SourcePosition.Max(_written, _applied);
        _persisted = SourcePosition.Max(_persisted, _applied);
        while (_unapplied.First is { } first && first.Value.Last <= _applied) RemoveFirstUnapplied();
        RetireApplied();
        _openPlans.RemoveAll(p => p.Last <= _applied);
        if (_openPlans.Count > 0) _writer.Tell(new SinkWriter.PlannedWrites(_openPlans.ToList()));
        _log.Debug("{0}: sink holds {1}; {2} persisted batches to apply", _table, _applied, _unapplied.Count);
        if (!_sinkKnown)
        {
            // Already Ready (ack-on = checkpointed): the outbox holds every unapplied batch in order; what the sink
            // holds is skipped as it comes to the head.
            _sinkKnown = true;
            Drain();
            Stash.UnstashAll();
            return;
        }
        foreach (var u in _unapplied) Write(u);

        ArmCheckpoints();
        Become(Ready);
        Stash.UnstashAll();
    }

    private void Ready()
    {
        Command<EntityChanges>(OnChanges);
        Command<EntityWatermark>(OnWatermark);
        Command<SinkWriter.SinkPositionRead>(OnSinkPosition);
        Command<PrepareBackfill>(p =>
        {
            if (!_sinkKnown)
            {
                Stash.Stash(); // the answer carries the sink's applied position
                return;
            }
            _coordinator = Sender;
            var forgotten = _backfill.Activate(p.Schema, p.Fence);
            if (forgotten > 0)
            {
                _log.Info("{0}: a new backfill coordinator (watermarks after {1}); forgot {2} chunk attempt(s) of the one before", _table, p.Fence, forgotten);
                Drain(); // a chunk of the old coordinator may have held the stream
            }
            Sender.Tell(new BackfillPrepared(_table, _applied));
        });
        Command<EndBackfill>(_ =>
        {
            if (!_backfill.Active) return;
            _backfill.Deactivate();
            _log.Debug("{0}: backfill done; lookback released", _table);
            Drain();
        });
        Command<ChunkRows>(OnChunkRows);
        Command<ExportState>(_ =>
        {
            if (!_sinkKnown) Stash.Stash();
            else Sender.Tell(new ExportedState(_table, CurrentSnapshot()));
        });
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
            _pendingCut = null;
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
        Command<WakeTable>(_ => { }); // started by it: nothing else to do
        Command<GetPendingSink>(_ => Sender.Tell(new PendingSink(_pendingRows, _pendingBytes, _residentBytes, _applied, Durable)));
        Command<SegmentShipped>(OnSegmentShipped);
        Command<CheckpointCompleted>(OnCheckpointCompleted);
        Command<SegmentLoaded>(OnSegmentLoaded);
        Command<SegmentLoadFailed>(f =>
        {
            _log.Warning("{0}: reading journal segment {1} from checkpoint storage failed: {2}; retrying", _table, f.Segment.Key, f.Error.Message);
            _loading = null;
            Timers.StartSingleTimer("segment-retry", new SegmentRetry(), TimeSpan.FromSeconds(1));
        });
        Command<SegmentRetry>(_ => Drain());
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
            Sender.Tell(new BatchPersisted(_table, m.Session, m.Seq, Durable));
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
            var u = new UnappliedBatch(LastSequenceNr, e.Batch.Last, e.Batch.Changes.Count, e.Batch.ApproximateBytes, e.Batch);
            AddUnapplied(u);
            _backfill.OnStreamBatch(e.Batch, xid);
            Write(u);
            reader.Tell(new BatchPersisted(_table, session, seq, Durable));
        });
    }

    private void OnWatermark(EntityWatermark w)
    {
        if (!AcceptNext(w.Session, w.Seq)) return;
        Sender.Tell(new BatchPersisted(_table, w.Session, w.Seq, Durable));
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
        if (!_sinkKnown) return;
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
            if (_outbox.Peek() is UnappliedBatch u)
            {
                if (u.Last <= _applied)
                {
                    _outbox.Dequeue(); // applied meanwhile (a placeholder the sink already held)
                    continue;
                }
                // ack-on = checkpointed: the writer gets at most the resident budget at a time; the rest waits (and may
                // leave memory) until the sink takes it.
                if (_checkpointedMode && _sentBytes > 0 && _sentBytes + u.Bytes > _runtime.Settings.Delivery.MaxResidentBytes) return;
                if (u.Batch is null)
                {
                    LoadSegment(u.Segment!);
                    return;
                }
                _outbox.Dequeue();
                u.Sent = true;
                _sentBytes += u.Bytes;
                _writer.Tell(u.Batch);
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
        while (_unapplied.First is { } first && first.Value.Last <= _applied)
        {
            // Only events of the local journal: a shipped batch may carry the sequence number another node gave it.
            if (first.Value.Segment is null) lastSeqNr = first.Value.SeqNr;
            RemoveFirstUnapplied();
        }
        RetireApplied();
        _reader.Tell(DurableMessage());
        if (_checkpointedMode) Drain(); // the writer's window has room again
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
        if (_checkpointedMode)
        {
            CheckpointWithSegments(handOff || force);
            return;
        }
        if (_applied == _snapshotApplied && !handOff && !force) return;
        _checkpointing = true;
        SaveSnapshot(CurrentSnapshot());
    }

    /// <summary>
    /// ack-on = checkpointed: ship the batches persisted since the last checkpoint and not applied as one journal segment,
    /// then save the snapshot that lists it (uploaded after the segment, so a snapshot in storage is the manifest of a
    /// complete checkpoint), then wait for its upload: only then is everything persisted up to the cut durable.
    /// </summary>
    private void CheckpointWithSegments(bool handOff)
    {
        var toShip = new List<UnappliedBatch>();
        foreach (var u in _unapplied)
            if (u.Segment is null && u.Batch is not null)
                toShip.Add(u);
        var cut = _persisted;
        if (toShip.Count == 0 && _applied == _snapshotApplied && cut <= _checkpointedPosition && _retired.Count == 0 && !handOff) return;
        _checkpointing = true;
        if (toShip.Count == 0)
        {
            _pendingCut = cut;
            SaveSnapshot(CurrentSnapshot());
            return;
        }
        var segments = CheckpointStorage.Get(Context.System).Segments!;
        var entries = new List<(long, ChangeBatch)>(toShip.Count);
        long rows = 0, bytes = 0;
        foreach (var u in toShip)
        {
            entries.Add((u.SeqNr, u.Batch!));
            rows += u.Rows;
            bytes += u.Bytes;
        }
        var from = toShip[0].SeqNr;
        var to = toShip[^1].SeqNr;
        var key = JournalSegmentStore.Key(PersistenceId, _epoch, from, to);
        var segment = new JournalSegmentRef(key, from, to, toShip[^1].Last, rows, bytes);
        var payload = JournalSegmentCodec.Encode(entries);
        segments.PutAsync(key, PersistenceId, to, payload, CancellationToken.None)
            .WaitAsync(_runtime.Settings.Checkpoints.FlushTimeout)
            .PipeTo(Self, success: () => new SegmentShipped(segment, toShip, cut),
                failure: e => new SinkWriter.CheckpointFailed(new IOException($"shipping journal segment {key} failed: {e.Message}", e)));
    }

    private SourcePosition? _pendingCut;

    private void OnSegmentShipped(SegmentShipped m)
    {
        foreach (var u in m.Batches) u.Segment = m.Segment;
        if (m.Segment.Last > _applied) _segments.Add(m.Segment);
        else _retired.Add(m.Segment); // applied while it uploaded
        _pendingCut = m.Cut;
        SaveSnapshot(CurrentSnapshot());
    }

    /// <summary>The snapshot of a checkpoint is saved locally and queued for upload: the checkpoint completes with the upload.</summary>
    private void OnCheckpointSnapshotSaved(SaveSnapshotSuccess s)
    {
        _snapshotApplied = _applied;
        var cut = _pendingCut ?? _checkpointedPosition;
        _pendingCut = null;
        var referenced = new HashSet<string>(_segments.Select(x => x.Key), StringComparer.Ordinal);
        var unreferenced = _retired.Where(r => !referenced.Contains(r.Key)).ToList();
        var seqNr = s.Metadata.SequenceNr;
        if (_previousSnapshotSeqNr > 0) DeleteSnapshots(new SnapshotSelectionCriteria(_previousSnapshotSeqNr - 1));
        _previousSnapshotSeqNr = seqNr;
        CheckpointStore!.FlushAsync(PersistenceId, CancellationToken.None)
            .WaitAsync(_runtime.Settings.Checkpoints.FlushTimeout)
            .PipeTo(Self, success: () => new CheckpointCompleted(cut, seqNr, unreferenced, null),
                failure: e => new CheckpointCompleted(cut, seqNr, unreferenced, e));
    }

    private void OnCheckpointCompleted(CheckpointCompleted c)
    {
        _checkpointing = false;
        if (c.Error is not null)
        {
            _log.Warning("{0}: checkpoint storage did not confirm the checkpoint snapshot: {1}; the next checkpoint retries", _table, c.Error.Message);
            AnswerCheckpointWaiters(_applied, c.SnapshotSeqNr, $"the snapshot is saved locally but checkpoint storage did not confirm it: {c.Error.Message}");
            if (_handingOff) Context.Stop(Self);
            return;
        }
        _metrics.CheckpointSaved(Context.System, CurrentSnapshot());
        AnswerCheckpointWaiters(_applied, c.SnapshotSeqNr, null);
        if (c.Cut > _checkpointedPosition)
        {
            _checkpointedPosition = c.Cut;
            _reader.Tell(DurableMessage());
        }
        // Everything up to the snapshot is in checkpoint storage now: the local journal does not need it (a sink outage
        // costs checkpoint-storage space, not local disk), and segments whose batches are all applied can go.
        if (c.SnapshotSeqNr > _deletedUpTo)
        {
            DeleteMessages(c.SnapshotSeqNr);
            _deletedUpTo = c.SnapshotSeqNr;
        }
        if (c.Unreferenced.Count > 0)
        {
            var segments = CheckpointStorage.Get(Context.System).Segments!;
            var log = _log;
            var table = _table;
            foreach (var seg in c.Unreferenced)
            {
                _retired.Remove(seg);
                segments.DeleteAsync(seg.Key, CancellationToken.None).ContinueWith(
                    t => log.Warning("{0}: deleting applied journal segment {1} failed (delete it by hand): {2}", table, seg.Key, t.Exception?.GetBaseException().Message),
                    CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
        if (!_sweptOrphans)
        {
            _sweptOrphans = true;
            SweepOrphanSegments();
        }
        Evict();
        if (_handingOff) Context.Stop(Self);
    }

    private bool _sweptOrphans;

    /// <summary>
    /// Once per incarnation, after its first complete checkpoint: segments of earlier incarnations that this checkpoint
    /// does not reference (uploaded by a checkpoint whose snapshot never completed, or left by a failed delete) go.
    /// Segments of this incarnation are left alone, since a later checkpoint may be uploading one right now.
    /// </summary>
    private void SweepOrphanSegments()
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var seg in _segments) keep.Add(seg.Key);
        foreach (var seg in _retired) keep.Add(seg.Key);
        var own = "-" + _epoch.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".seg";
        var segments = CheckpointStorage.Get(Context.System).Segments!;
        var log = _log;
        var table = _table;
        segments.ListAsync(PersistenceId, CancellationToken.None).ContinueWith(async t =>
        {
            if (t.IsFaulted)
            {
                log.Warning("{0}: listing journal segments for retention failed: {1}", table, t.Exception?.GetBaseException().Message);
                return;
            }
            foreach (var key in t.Result)
            {
                if (keep.Contains(key) || key.EndsWith(own, StringComparison.Ordinal)) continue;
                try { await segments.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false); }
                catch (Exception e) { log.Warning("{0}: deleting orphan journal segment {1} failed: {2}", table, key, e.Message); }
            }
        }, TaskScheduler.Default);
    }

    /// <summary>Segments whose batches are all applied leave the snapshot; they are deleted once a checkpoint without them completes.</summary>
    private void RetireApplied()
    {
        for (var i = 0; i < _segments.Count;)
        {
            if (_segments[i].Last <= _applied)
            {
                _retired.Add(_segments[i]);
                _segments.RemoveAt(i);
            }
            else i++;
        }
    }

    /// <summary>
    /// Keeps the shipped, unsent batches in memory within the resident budget, dropping the newest first (the oldest go
    /// to the writer next); they are read back from their segment when their turn comes.
    /// </summary>
    private void Evict()
    {
        var budget = _runtime.Settings.Delivery.MaxResidentBytes;
        for (var node = _unapplied.Last; node is not null && _residentBytes > budget; node = node.Previous)
        {
            var u = node.Value;
            if (u.Batch is null || u.Sent || u.Segment is null) continue;
            u.Batch = null;
            _residentBytes -= u.Bytes;
        }
    }

    private void LoadSegment(JournalSegmentRef segment)
    {
        if (_loading is not null) return;
        _loading = segment;
        var pid = PersistenceId;
        CheckpointStorage.Get(Context.System).Segments!.GetAsync(segment.Key, pid, CancellationToken.None)
            .ContinueWith(t =>
            {
                if (t.IsFaulted) return (object)new SegmentLoadFailed(segment, t.Exception!.GetBaseException());
                if (t.IsCanceled) return new SegmentLoadFailed(segment, new TaskCanceledException());
                if (t.Result is not { } payload)
                    return new SegmentLoadFailed(segment, new InvalidDataException(
                        $"journal segment {segment.Key} is missing from checkpoint storage while the sink does not hold its changes " +
                        $"(up to {segment.Last}); they are lost unless the object is restored"));
                return new SegmentLoaded(segment, JournalSegmentCodec.Decode(payload.Span));
            }, TaskScheduler.Default)
            .PipeTo(Self);
    }

    private void OnSegmentLoaded(SegmentLoaded m)
    {
        _loading = null;
        var byKey = m.Segment.Key;
        var loaded = new Dictionary<long, ChangeBatch>(m.Batches.Count);
        foreach (var (seqNr, batch) in m.Batches) loaded[seqNr] = batch;
        UnappliedBatch? placeholder = null;
        List<UnappliedBatch>? expanded = null;
        for (var node = _unapplied.First; node is not null;)
        {
            var next = node.Next;
            var u = node.Value;
            if (u.Segment?.Key == byKey)
            {
                if (u.Placeholder)
                {
                    // A segment a snapshot listed: its batches take the placeholder's place, in order.
                    placeholder = u;
                    expanded = new List<UnappliedBatch>();
                    _pendingRows -= u.Rows;
                    _pendingBytes -= u.Bytes;
                    foreach (var (seqNr, batch) in m.Batches)
                    {
                        if (batch.Last <= _applied) continue;
                        var e = new UnappliedBatch(seqNr, batch.Last, batch.Changes.Count, batch.ApproximateBytes, batch) { Segment = m.Segment };
                        _unapplied.AddBefore(node, e);
                        _residentBytes += e.Bytes;
                        _pendingRows += e.Rows;
                        _pendingBytes += e.Bytes;
                        expanded.Add(e);
                    }
                    _unapplied.Remove(node);
                }
                else if (u.Batch is null && loaded.TryGetValue(u.SeqNr, out var batch))
                {
                    u.Batch = batch;
                    _residentBytes += u.Bytes;
                }
            }
            node = next;
        }
        if (placeholder is not null)
        {
            var rest = _outbox.ToArray();
            _outbox.Clear();
            foreach (var item in rest)
            {
                if (!ReferenceEquals(item, placeholder))
                {
                    _outbox.Enqueue(item);
                    continue;
                }
                foreach (var e in expanded!) _outbox.Enqueue(e);
            }
        }
        Drain();
        Evict();
    }

    private void OnPrepared(SinkWriter.Prepared p)
    {
        _sinkToken = p.Token;
        _pendingCommitUpTo = p.UpTo;
        SaveSnapshot(WithCounts(new TableEntitySnapshot(SourcePosition.Max(_applied, p.UpTo), _epoch, p.Token) { JournalGap = HasJournalGap() }));
    }

    private void OnSnapshotSaved(SaveSnapshotSuccess s)
    {
        if (_checkpointedMode)
        {
            OnCheckpointSnapshotSaved(s);
            return;
        }
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
