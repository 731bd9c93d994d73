using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using ActorCdc.Source.Postgres;
using ActorCdc.Source.Postgres.Snapshots;
using Akka.Actor;
using Akka.Event;

namespace ActorCdc.Engine.Wal;

/// <summary>
/// Job: owns the pipeline's replication connection (one per slot); a pump task decodes the stream and, under
/// credit-based flow control, hands each table's batches to its TableEntity; acknowledgements move the slot
/// (DESIGN.md §2, §3.3). A lost or refused batch makes it reconnect from the slot's confirmed LSN.
/// State: the replication session, per-table batch numbers, batches awaiting Persisted, the confirmation tracker.
/// Supervision: child of a backoff supervisor under its PipelineManager; a transient failure throws (restart with
/// backoff), a fatal one is reported to the manager, which marks the pipeline Failed.
/// </summary>
public sealed class WalReader : ReceiveActor, IWithTimers
{
    /// <summary>Stop sending batches and answer <see cref="Drained"/> once everything sent is durable.</summary>
    public sealed record Pause;

    /// <summary>Everything the paused reader sent is durable.</summary>
    public sealed record Drained(Lsn Confirmed);

    /// <summary>Send batches again after a <see cref="Pause"/>.</summary>
    public sealed record Resume;

    /// <summary>Tells the manager the reader streams.</summary>
    public sealed record Streaming(string Pipeline);

    /// <summary>Tells the manager the pipeline cannot go on; <see cref="Reason"/> says what to do.</summary>
    public sealed record Failed(string Pipeline, string Reason);

    /// <summary>Tells the manager the replication stream failed and is retried with backoff (the pipeline is Degraded until it streams again).</summary>
    public sealed record Retrying(string Pipeline, string Reason);

    private sealed record Pumped(long Session, SourceEvent Event);
    private sealed record PumpFailed(long Session, Exception Error);
    private sealed record SessionOpened(long Session, WalStream Stream);
    private sealed record Tick;
    private sealed record EmitHeartbeat;

    private readonly PipelineSettings _settings;
    private readonly PipelineRuntime _runtime;
    private readonly IActorRef _region;
    private readonly IActorRef _manager;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CreditGate _gate;
    private readonly ConfirmationTracker _tracker = new();
    private readonly Dictionary<TableId, long> _nextSeq = new();
    private readonly Dictionary<TableId, Queue<(long Seq, DateTime SentUtc)>> _awaitingPersisted = new();
    private readonly Dictionary<TableId, (long Sent, long Applied)> _rows = new();
    private readonly Dictionary<TableId, TableHealth> _health = new();
    private readonly Dictionary<TableId, (long Rows, long Bytes)> _pendingSink = new();
    private readonly EntityWatch _entities = new();
    private readonly SourceAdmin _admin;
    private CancellationTokenSource _pumpCts = new();
    private WalStream? _stream;
    private long _session;
    private long _reconnects;
    private Lsn _confirmed;
    private uint _xid;
    private IActorRef? _pausedFor;
    private Lsn _commitLsn;

    public WalReader(PipelineRuntime runtime, IActorRef region, IActorRef manager)
    {
        var settings = runtime.Settings;
        _runtime = runtime;
        _settings = settings;
        _region = region;
        _manager = manager;
        _gate = runtime.CreditGate;
        _admin = new SourceAdmin(settings.Source);

        Receive<SessionOpened>(OnSessionOpened);
        Receive<Pumped>(p => { if (p.Session == _session) OnEvent(p.Event); });
        Receive<PumpFailed>(OnPumpFailed);
        Receive<BatchPersisted>(OnPersisted);
        Receive<BatchDurable>(d =>
        {
            Watch(d.Table);
            _pendingSink[d.Table] = (d.PendingSinkRows, d.PendingSinkBytes);
            OnDurable(d.Table, d.Applied);
        });
        Receive<TableHealth>(h => _health[h.Table] = h);
        Receive<Terminated>(OnEntityStopped);
        Receive<SequenceGap>(g =>
        {
            if (g.Session != _session) return;
            _log.Warning("{0}: table {1} expected batch {2} but got {3} (a message was lost or the entity restarted); reconnecting from the slot's confirmed LSN {4}",
                _settings.Name, g.Table, g.Expected, g.Received, _confirmed);
            Reconnect();
        });
        Receive<Tick>(_ =>
        {
            var flow = _runtime.Current.FlowControl;
            _gate.SetBudgets(flow.PipelineBudgetBytes, flow.TableBudgetBytes);
            CheckAckTimeouts();
            Metrics.CdcMetrics.Pipeline(_settings.Name).Publish(Status());
        });
        Receive<EmitHeartbeat>(_ => Heartbeat());
        Receive<GetPipelineStatus>(_ => Sender.Tell(Status()));
        Receive<Pause>(_ =>
        {
            _gate.Paused = true;
            _pausedFor = Sender;
            CheckDrained();
        });
        Receive<Resume>(_ =>
        {
            _pausedFor = null;
            _gate.Paused = false;
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PipelineRuntime runtime, IActorRef region, IActorRef manager) =>
        Akka.Actor.Props.Create(() => new WalReader(runtime, region, manager));

    protected override void PreStart()
    {
        // The gate outlives reader incarnations: a new one starts with nothing in flight and not paused (a savepoint
        // that paused the old one is answered by the manager when it learns the reader restarted).
        var flow = _runtime.Current.FlowControl;
        _gate.Reset(unpause: true);
        _gate.Paused = _runtime.PausedByOperator; // a reader restarted while the pipeline is paused sends nothing
        _gate.SetBudgets(flow.PipelineBudgetBytes, flow.TableBudgetBytes);
        Timers.StartPeriodicTimer("tick", new Tick(), TimeSpan.FromSeconds(1));
        Timers.StartPeriodicTimer("heartbeat", new EmitHeartbeat(), _settings.Source.HeartbeatInterval);
        StartSession();
    }

    protected override void PostStop()
    {
        _pumpCts.Cancel(); // the pump disposes the stream once its enumeration stopped
        _stream = null;
        _ = _admin.DisposeAsync().AsTask();
        Metrics.CdcMetrics.Pipeline(_settings.Name).Publish(null);
    }

    private void StartSession()
    {
        _session = DateTime.UtcNow.Ticks;
        _pumpCts = new CancellationTokenSource();
        var session = _session;
        var ct = _pumpCts.Token;
        var self = Self;
        var gate = _gate;
        var settings = _settings;
        var log = _log;
        _ = Task.Run(() => PumpAsync(session, settings, gate, self, log, ct), CancellationToken.None);
    }

    /// <summary>
    /// Runs off the actor thread: reads the stream and waits for credit before each batch. The pump owns the stream: it
    /// disposes it only after its enumeration has stopped (disposing under a running MoveNextAsync crashes Npgsql's
    /// replication iterator), so the actor only cancels.
    /// </summary>
    private static async Task PumpAsync(long session, PipelineSettings settings, CreditGate gate, IActorRef self, ILoggingAdapter log, CancellationToken ct)
    {
        WalStream? stream = null;
        try
        {
            stream = await OpenAsync(settings, log, ct).ConfigureAwait(false);
            self.Tell(new SessionOpened(session, stream));
            await foreach (var ev in stream.ReadAsync(ct).ConfigureAwait(false))
            {
                if (ev is TableChanges tc) await gate.AcquireAsync(tc.Batch.Table, tc.Batch.ApproximateBytes, ct).ConfigureAwait(false);
                self.Tell(new Pumped(session, ev));
            }
            self.Tell(new PumpFailed(session, CdcException.Transient("the replication stream ended")));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            self.Tell(new PumpFailed(session, e));
        }
        finally
        {
            if (stream is not null) await DisposeQuietly(stream).ConfigureAwait(false);
        }
    }

    /// <summary>Opens the replication stream; a slot held by another walsender is retried with backoff, naming its PID.</summary>
    private static async Task<WalStream> OpenAsync(PipelineSettings settings, ILoggingAdapter log, CancellationToken ct)
    {
        var retry = settings.SlotInUseRetry;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await WalStream.OpenAsync(settings.Source, ct).ConfigureAwait(false);
            }
            catch (CdcException e) when (WalStream.ActivePidOf(e) is { } activePid)
            {
                if (retry.MaxAttempts > 0 && attempt >= retry.MaxAttempts)
                    throw CdcException.Fatal(
                        $"replication slot {settings.Source.Slot} is still active for PID {activePid} after {attempt} attempts; " +
                        $"stop that consumer (SELECT pg_terminate_backend({activePid})) or give this pipeline its own slot (source.slot), then restart the pipeline", e);
                var delay = retry.Delay(attempt);
                log.Warning("{0}: replication slot {1} is active for PID {2} (attempt {3}{4}); retrying in {5:0.0}s",
                    settings.Name, settings.Source.Slot, activePid, attempt, retry.MaxAttempts > 0 ? $" of {retry.MaxAttempts}" : "", delay.TotalSeconds);
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
        }
    }

    private void OnSessionOpened(SessionOpened o)
    {
        if (o.Session != _session) return; // a replaced session: its pump, already cancelled, disposes the stream
        _stream = o.Stream;
        if (o.Stream.ConfirmedLsn > _confirmed) _confirmed = o.Stream.ConfirmedLsn;
        if (_confirmed > Lsn.Zero) _stream.Confirm(_confirmed);
        if (_confirmed > _runtime.ConfirmedLsn) _runtime.ConfirmedLsn = _confirmed;
        _manager.Tell(new Streaming(_settings.Name));
        _log.Info("{0}: streaming from slot {1}", _settings.Name, _settings.Source.Slot);
        if (o.Stream.StatusInterval < _settings.Source.StatusInterval)
            _log.Info("{0}: sending status updates every {1:0.0}s, not every {2:0.0}s (source.status-interval), to stay within the server's wal_sender_timeout",
                _settings.Name, o.Stream.StatusInterval.TotalSeconds, _settings.Source.StatusInterval.TotalSeconds);
    }

    private void OnEvent(SourceEvent ev)
    {
        switch (ev)
        {
            case TransactionBegun b:
                _xid = b.Xid;
                _commitLsn = b.CommitLsn;
                _tracker.Begin(b.CommitLsn);
                break;
            case TableChanges tc:
                Send(tc);
                break;
            case TransactionCommitted c:
                if (_tracker.Commit(c.EndLsn, c.CommitTimeUtc)) Confirm();
                break;
            case LogicalMessage { Transactional: true } m when m.Prefix == Watermarks.Prefix:
                RouteWatermark(Watermarks.Parse(m.Content));
                break;
            case LogicalMessage { Transactional: false } m when m.Prefix == SourceAdmin.HeartbeatPrefix:
                if (_tracker.Idle(m.Lsn)) Confirm();
                break;
            case StreamCaughtUp u:
                if (_tracker.Idle(u.Lsn)) Confirm();
                break;
        }
    }

    private void Send(TableChanges tc)
    {
        var batch = tc.Batch;
        var table = batch.Table;
        var seq = _nextSeq.TryGetValue(table, out var s) ? s : 1;
        _nextSeq[table] = seq + 1;
        _region.Tell(new EntityChanges(_settings.Name, _session, seq, _xid, batch), Self);
        _tracker.Sent(table, batch.Last, batch.ApproximateBytes, batch.Changes.Count);
        if (!_awaitingPersisted.TryGetValue(table, out var q)) _awaitingPersisted[table] = q = new Queue<(long, DateTime)>();
        q.Enqueue((seq, DateTime.UtcNow));
        var rows = _rows.TryGetValue(table, out var r) ? r : default;
        _rows[table] = (rows.Sent + batch.Changes.Count, rows.Applied);
    }

    /// <summary>
    /// A backfill watermark (DESIGN.md §3.5) goes to its table's entity in stream order, numbered like a batch. It sits
    /// alone in its transaction, so it takes position (commit LSN, 0) and the chunk's rows take 1..n after it.
    /// </summary>
    private void RouteWatermark(Watermark wm)
    {
        if (wm.Pipeline != _settings.Name) return; // another pipeline's backfill on the same database
        var table = wm.Table;
        var seq = _nextSeq.TryGetValue(table, out var s) ? s : 1;
        _nextSeq[table] = seq + 1;
        var position = new SourcePosition(_commitLsn, 0);
        _region.Tell(new EntityWatermark(_settings.Name, _session, seq, table, wm.ChunkId, wm.Attempt, wm.Kind == WatermarkKind.High, position), Self);
        _tracker.Sent(table, position, 0, 0);
        if (!_awaitingPersisted.TryGetValue(table, out var q)) _awaitingPersisted[table] = q = new Queue<(long, DateTime)>();
        q.Enqueue((seq, DateTime.UtcNow));
    }

    private void OnPersisted(BatchPersisted p)
    {
        Watch(p.Table);
        if (p.Session == _session && _awaitingPersisted.TryGetValue(p.Table, out var q))
            while (q.Count > 0 && q.Peek().Seq <= p.Seq) q.Dequeue();
        OnDurable(p.Table, p.Applied);
    }

    /// <summary>Watches the entity incarnation that sent the current message (see <see cref="EntityWatch"/>).</summary>
    private void Watch(TableId table)
    {
        var (watch, unwatch) = _entities.Answered(table, Sender);
        if (unwatch is not null) Context.Unwatch(unwatch);
        if (watch is not null) Context.Watch(watch);
    }

    /// <summary>
    /// A table's entity stopped. Changes it was sent and had not applied are durable nowhere but in the slot: replay from
    /// the slot's confirmed position, which also starts the table's next incarnation (on whichever node has it now).
    /// </summary>
    private void OnEntityStopped(Terminated t)
    {
        if (_entities.Stopped(t.ActorRef) is not { } table || !_tracker.HasInFlight(table)) return;
        _log.Info("{0}: the entity of {1} stopped (handed off, or its node left) before applying all it was sent; replaying from the slot's confirmed LSN {2}",
            _settings.Name, table, _confirmed);
        Reconnect();
    }

    private void OnDurable(TableId table, SourcePosition applied)
    {
        var (bytes, rows) = _tracker.Durable(table, applied, out var advanced);
        _gate.Release(table, bytes);
        if (rows > 0)
        {
            var r = _rows.TryGetValue(table, out var x) ? x : default;
            _rows[table] = (r.Sent, r.Applied + rows);
        }
        if (advanced) Confirm();
        CheckDrained();
    }

    private void CheckDrained()
    {
        if (_pausedFor is null || !_tracker.AllSentDurable) return;
        _pausedFor.Tell(new Drained(_confirmed));
        _pausedFor = null; // stays paused until Resume
    }

    private void Confirm()
    {
        _confirmed = _tracker.Confirmable;
        if (_confirmed > _runtime.ConfirmedLsn) _runtime.ConfirmedLsn = _confirmed;
        try { _stream?.Confirm(_confirmed); }
        catch (ObjectDisposedException) { /* the pump is closing this session; the next one confirms from the slot */ }
    }

    private void CheckAckTimeouts()
    {
        var limit = DateTime.UtcNow - _settings.FlowControl.AckTimeout;
        foreach (var (table, q) in _awaitingPersisted)
        {
            if (q.Count == 0 || q.Peek().SentUtc > limit) continue;
            _log.Warning("{0}: table {1} did not acknowledge batch {2} within {3}; reconnecting from the slot's confirmed LSN {4}",
                _settings.Name, table, q.Peek().Seq, _settings.FlowControl.AckTimeout, _confirmed);
            Reconnect();
            return;
        }
    }

    private void Reconnect()
    {
        _reconnects++;
        _pumpCts.Cancel(); // the pump disposes the old stream once its enumeration stopped
        _stream = null;
        _tracker.Reset();
        _gate.Reset();
        _nextSeq.Clear();
        _awaitingPersisted.Clear();
        StartSession();
    }

    private void OnPumpFailed(PumpFailed f)
    {
        if (f.Session != _session) return;
        if (f.Error is CdcException { Kind: FailureKind.Fatal } fatal)
        {
            var reason = fatal.Message;
            // A slot this pipeline streamed from is gone: never recreate it here, the operator must know what is lost.
            if (WalStream.IsSlotMissing(fatal) && _runtime.ConfirmedLsn > Lsn.Zero)
                reason = $"replication slot {_settings.Source.Slot} no longer exists (it was dropped while pipeline {_settings.Name} was running): " +
                         $"changes after LSN {_runtime.ConfirmedLsn} are lost to this pipeline. The pipeline does not recreate it by itself: " +
                         "restart the node with source.create-slot = on to recreate it, then resnapshot every captured table " +
                         $"(actorcdc-node --resnapshot {_settings.Name}/<schema.table>, once per table).";
            else if (WalStream.IsPublicationMissing(fatal) && _runtime.ConfirmedLsn > Lsn.Zero)
                reason = $"publication {_settings.Source.Publication} no longer exists (it was dropped while pipeline {_settings.Name} was running): " +
                         $"PostgreSQL cannot decode slot {_settings.Source.Slot} without it, and recreating it does not resume the slot. " +
                         $"Recreate the publication, drop the slot (SELECT pg_drop_replication_slot('{_settings.Source.Slot}')), restart the node with " +
                         $"source.create-slot = on and resnapshot every captured table (actorcdc-node --resnapshot {_settings.Name}/<schema.table>); " +
                         $"changes after LSN {_runtime.ConfirmedLsn} are lost to this pipeline.";
            _log.Error("{0}: {1}", _settings.Name, reason);
            _manager.Tell(new Failed(_settings.Name, reason));
            Context.Stop(Self);
            return;
        }
        // The backoff supervisor restarts us; the slot resends everything after its confirmed LSN.
        _manager.Tell(new Retrying(_settings.Name, $"the replication stream failed and is retried with backoff: {f.Error.Message}"));
        throw new CdcException(FailureKind.Transient, $"{_settings.Name}: replication stream failed: {f.Error.Message}", f.Error);
    }

    private void Heartbeat()
    {
        var log = _log;
        var name = _settings.Name;
        _admin.EmitHeartbeatAsync(CancellationToken.None).ContinueWith(t =>
        {
            if (t.IsFaulted) log.Warning("{0}: heartbeat failed: {1}", name, t.Exception?.GetBaseException().Message);
        }, TaskScheduler.Default);
    }

    private PipelineStatus Status()
    {
        var received = _stream?.LastReceivedLsn ?? _confirmed;
        var oldest = _tracker.OldestPendingCommitUtc;
        var tables = new List<TableStatus>();
        foreach (var (t, r) in _rows)
        {
            var h = _health.GetValueOrDefault(t);
            var pending = _pendingSink.TryGetValue(t, out var p) ? p : default;
            tables.Add(new TableStatus(t, r.Sent, r.Applied, _tracker.InFlightBytes(t), h?.RowsSkipped ?? 0, h?.RowsDeadLettered ?? 0, pending.Rows, pending.Bytes));
        }
        tables.Sort((a, b) => a.Table.CompareTo(b.Table));
        var (state, reason) = Health();
        return new PipelineStatus(_settings.Name, _stream is null ? PipelineState.Starting : state, reason,
            _confirmed, received, received > _confirmed ? (long)(received.Value - _confirmed.Value) : 0,
            oldest is { } o ? Math.Max(0, (DateTime.UtcNow - o).TotalSeconds) : 0,
            _gate.InFlightBytes, _reconnects, tables, _gate.PeakInFlightBytes, _gate.PipelineBudget, _gate.BackpressureTime.TotalSeconds);
    }

    /// <summary>Degraded while any table reports a problem (a sink writer retrying, rows rejected under fail, checkpoint uploads failing).</summary>
    private (PipelineState State, string? Reason) Health()
    {
        TableHealth? first = null;
        var failing = 0;
        foreach (var h in _health.Values)
        {
            if (h.Problem is null) continue;
            failing++;
            if (first is null || h.Table.CompareTo(first.Table) < 0) first = h;
        }
        if (first is null) return (PipelineState.Streaming, null);
        var more = failing > 1 ? $" (and {failing - 1} more table(s))" : "";
        return (PipelineState.Degraded, $"{first.Table}: {first.Problem}{more}");
    }

    private static async Task DisposeQuietly(WalStream stream)
    {
        try { await stream.DisposeAsync().ConfigureAwait(false); }
        catch (Exception) { /* the connection is being abandoned anyway */ }
    }
}
