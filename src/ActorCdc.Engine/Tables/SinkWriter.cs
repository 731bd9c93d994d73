using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Engine.Configuration;
using Akka.Actor;
using Akka.Event;

namespace ActorCdc.Engine.Tables;

/// <summary>
/// Job: writes one table's persisted batches into the sink in order, grouping what queued up while the previous
/// write ran into one write, and reports each applied position to its TableEntity. For sinks that commit at
/// checkpoints (<see cref="ICheckpointParticipant"/>) writes are only <see cref="Written"/> until the entity's
/// checkpoint prepares and commits them.
/// A write the sink rejects as a data error is bisected, in order, down to the rejected changes, which follow
/// <c>delivery.on-data-error</c>: <c>fail</c> stops at the first (retried until the target is fixed), <c>skip</c> counts
/// and logs them, <c>dead-letter</c> stores them in the dead-letter target before their position counts as applied.
/// State: the table sink, the queue of batches not yet written, the last written position, the retry attempt.
/// Supervision: child of its TableEntity (a crash fails the entity, which recovers with a fresh writer); sink errors
/// are retried here with exponential backoff and jitter and logged with what to do, so a sink outage never loses or
/// reorders a change; the entity hears of each failure and recovery (<see cref="Health"/>) for the pipeline status.
/// </summary>
public sealed class SinkWriter : ReceiveActor, IWithTimers
{
    /// <summary>
    /// Asks for the position the sink already holds (answered with <see cref="SinkPositionRead"/>); for a checkpoint
    /// participant, first recovers the writes named by the last completed checkpoint's token.
    /// </summary>
    public sealed record ReadAppliedPosition(byte[]? CheckpointToken = null);

    /// <summary>The sink's applied position, or null when the sink cannot tell.</summary>
    public sealed record SinkPositionRead(SourcePosition? Position);

    /// <summary>
    /// A position with no rows (a backfill watermark): once every write queued before it is done, it counts as applied
    /// (or written, for sinks that commit at checkpoints), so the slot can move past it.
    /// </summary>
    public sealed record PositionMarker(SourcePosition Position);

    /// <summary>Every change up to <see cref="Position"/> is committed in the sink.</summary>
    public sealed record Applied(SourcePosition Position, int Rows);

    /// <summary>Every change up to <see cref="Position"/> is written but becomes visible only at the next checkpoint.</summary>
    public sealed record Written(SourcePosition Position, int Rows);

    /// <summary>
    /// For sinks that name writes by position (<see cref="IRequiresStableBatches"/>): the writes planned before a restart and
    /// not applied yet; replays are grouped into exactly these writes.
    /// </summary>
    public sealed record PlannedWrites(IReadOnlyList<(SourcePosition First, SourcePosition Last)> Plans);

    /// <summary>Asks the entity to persist the boundaries of the next write; answered with <see cref="WritePlanned"/>.</summary>
    public sealed record PlanWrite(SourcePosition First, SourcePosition Last);

    /// <summary>The next write's boundaries are persisted: it may be sent.</summary>
    public sealed record WritePlanned(SourcePosition First, SourcePosition Last);

    /// <summary>Prepare what is written for a checkpoint, once queued writes are done; answered with <see cref="Prepared"/>.</summary>
    public sealed record Prepare(bool Final);

    /// <summary>The sink prepared everything up to <see cref="UpTo"/>; <see cref="Token"/> goes into the checkpoint.</summary>
    public sealed record Prepared(byte[] Token, SourcePosition UpTo);

    /// <summary>The checkpoint holding <see cref="Token"/> is complete: publish; answered with <see cref="Applied"/>.</summary>
    public sealed record Commit(byte[] Token, SourcePosition UpTo);

    /// <summary>Preparing or committing a checkpoint failed; the entity tries again at its next checkpoint.</summary>
    public sealed record CheckpointFailed(Exception Error);

    /// <summary>
    /// Changes the sink rejected and the policy handled (skipped or dead-lettered), sent before the <see cref="Applied"/>
    /// or <see cref="Written"/> that covers them; a dead letter already stored (a replay) is not stored twice.
    /// </summary>
    public sealed record Rejected(IReadOnlyList<RejectedChange> Changes, bool DeadLettered);

    /// <summary>One rejected change: its position, the sink's error, whether the dead-letter target stored it anew.</summary>
    public sealed record RejectedChange(SourcePosition Position, string Error, bool Stored);

    /// <summary>The writer's health for the pipeline status: the problem it keeps retrying, or null once writes succeed again.</summary>
    public sealed record Health(string? Problem);

    private sealed record WriteDone(SourcePosition Position, int Rows, int Batches, int TakenFromNext, IReadOnlyList<RejectedChange> Rejected);
    private sealed record WriteFailed(Exception Error);
    private sealed record ReadDone(IActorRef ReplyTo, SourcePosition? Position);
    private sealed record ReadFailed(IActorRef ReplyTo, byte[]? Token, Exception Error);
    private sealed record ReadRetry(IActorRef ReplyTo, byte[]? Token);
    private sealed record Retry;
    private sealed record FlushDue;
    private sealed record PrepareDone(IActorRef ReplyTo, byte[] Token, SourcePosition UpTo);
    private sealed record CommitDone(IActorRef ReplyTo, SourcePosition UpTo);
    private sealed record CheckpointStepFailed(IActorRef ReplyTo, Exception Error);

    private readonly ITableSink _sink;
    private readonly ICheckpointParticipant? _participant;
    private readonly Func<SinkSettings> _current;
    private DateTime? _oldestQueuedUtc;
    private readonly string _table;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LinkedList<object> _queue = new(); // ChangeBatch or PositionMarker, in order
    private readonly CancellationTokenSource _stopping = new();
    private readonly RetrySettings _retry;
    private readonly DataErrorHandling _onDataError;
    private string? _problem;
    private (IActorRef ReplyTo, bool Final)? _pendingPrepare;
    private readonly bool _stable;
    private readonly Queue<(SourcePosition First, SourcePosition Last)> _plans = new();
    private Group? _awaitingPlan;
    private SourcePosition _written = SourcePosition.Start;
    private bool _busy;
    private int _attempt;
    private readonly Metrics.TableMetrics _metrics;
    private Core.Positions.Lsn _lastMarkerLsn; // rows at the last high watermark's LSN are backfilled rows
    private Metrics.OperationCounts _writing;

    public SinkWriter(ITableSink sink, SinkSettings settings, Func<SinkSettings> current, string table, DataErrorHandling? onDataError = null)
    {
        _sink = sink;
        _onDataError = onDataError ?? DataErrorHandling.Fail;
        _participant = sink as ICheckpointParticipant;
        _stable = sink is IRequiresStableBatches;
        _current = current;
        _table = table;
        _metrics = Metrics.CdcMetrics.Table(table);
        _retry = new RetrySettings(settings.RetryMinBackoff, settings.RetryMaxBackoff, 0.2, 0);

        Receive<ReadAppliedPosition>(r => ReadPosition(Sender, r.CheckpointToken));
        Receive<ReadRetry>(r => ReadPosition(r.ReplyTo, r.Token));
        Receive<ReadDone>(d =>
        {
            _attempt = 0;
            Report(null);
            d.ReplyTo.Tell(new SinkPositionRead(d.Position));
        });
        Receive<ReadFailed>(f =>
        {
            _attempt++;
            var delay = _retry.Delay(_attempt);
            _log.Warning("Reading what the sink holds for {0} failed (attempt {1}): {2}. Retrying in {3:0.0}s; check that the sink is reachable.",
                _table, _attempt, Describe(f.Error), delay.TotalSeconds);
            Report($"reading what the sink holds failed (retrying with backoff): {Describe(f.Error)}");
            Timers.StartSingleTimer("read", new ReadRetry(f.ReplyTo, f.Token), delay);
        });
        Receive<ChangeBatch>(b =>
        {
            _oldestQueuedUtc ??= DateTime.UtcNow;
            _queue.AddLast(b);
            TryWrite();
        });
        Receive<FlushDue>(_ => TryWrite());
        Receive<PositionMarker>(m =>
        {
            _queue.AddLast(m);
            TryWrite();
        });
        Receive<PlannedWrites>(p =>
        {
            foreach (var plan in p.Plans) _plans.Enqueue(plan);
        });
        Receive<WritePlanned>(p =>
        {
            if (_awaitingPlan is not { } group || group.First != p.First || group.UpTo != p.Last) return;
            _awaitingPlan = null;
            Send(group);
        });
        Receive<WriteDone>(d =>
        {
            _busy = false;
            _attempt = 0;
            Report(null);
            if (d.Rejected.Count > 0) OnRejected(d.Rejected);
            for (var i = 0; i < d.Batches; i++) _queue.RemoveFirst();
            _oldestQueuedUtc = _queue.Count > 0 ? DateTime.UtcNow : null;
            if (d.TakenFromNext > 0 && _queue.First?.Value is ChangeBatch partial)
                _queue.First.Value = Remainder(partial, d.TakenFromNext);
            if (_plans.Count > 0 && _plans.Peek().Last <= d.Position) _plans.Dequeue();
            _written = d.Position;
            _metrics.Applied(_writing);
            Context.Parent.Tell(_participant is null ? new Applied(d.Position, d.Rows) : new Written(d.Position, d.Rows));
            TryWrite();
        });
        Receive<WriteFailed>(f =>
        {
            _busy = false;
            _attempt++;
            _metrics.SinkError(f.Error);
            var delay = _retry.Delay(_attempt);
            var kind = f.Error is CdcException c ? c.Kind : FailureKind.Transient;
            var fix = kind == FailureKind.Fatal ? " Fix the sink (credentials, permissions, target table) to let it continue." : "";
            if (f.Error is CdcException { Kind: FailureKind.Data } rejected)
            {
                _log.Error($"{_table}: {rejected.Message} (attempt {_attempt}; retrying in {delay.TotalSeconds:0.0}s; the changes stay queued and the slot keeps their WAL).");
                Report(rejected.Message);
            }
            else
            {
                _log.Error($"Writing {_queue.Count} batch(es) of {_table} to the sink failed (attempt {_attempt}, {kind}): {Describe(f.Error)}. " +
                           $"Retrying in {delay.TotalSeconds:0.0}s; the changes stay queued and the slot keeps their WAL until the write succeeds.{fix}");
                Report($"writing to the sink failed ({kind.ToString().ToLowerInvariant()}, retrying with backoff): {Describe(f.Error)}");
            }
            Timers.StartSingleTimer("retry", new Retry(), delay);
        });
        Receive<Retry>(_ => { _metrics.SinkRetry(); TryWrite(); });
        Receive<Prepare>(p =>
        {
            _pendingPrepare = (Sender, p.Final);
            TryWrite();
        });
        Receive<PrepareDone>(d =>
        {
            _busy = false;
            d.ReplyTo.Tell(new Prepared(d.Token, d.UpTo));
            TryWrite();
        });
        Receive<Commit>(c =>
        {
            var replyTo = Sender;
            var participant = _participant!;
            Start(() => participant.CommitAsync(c.Token, _stopping.Token)).PipeTo(Self,
                success: () => new CommitDone(replyTo, c.UpTo),
                failure: e => new CheckpointStepFailed(replyTo, e));
        });
        Receive<CommitDone>(d => d.ReplyTo.Tell(new Applied(d.UpTo, 0)));
        Receive<CheckpointStepFailed>(f =>
        {
            _busy = false;
            _log.Warning("Checkpoint step of {0} failed: {1}; the entity retries at its next checkpoint", _table, Describe(f.Error));
            f.ReplyTo.Tell(new CheckpointFailed(f.Error));
            TryWrite();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>A writer for <paramref name="sink"/>; <paramref name="current"/> (rows, bytes, flush interval) is read before each write, so a profile switch takes effect at the next one.</summary>
    public static Props Props(ITableSink sink, SinkSettings settings, Func<SinkSettings> current, string table, DataErrorHandling? onDataError = null) =>
        Akka.Actor.Props.Create(() => new SinkWriter(sink, settings, current, table, onDataError));

    private void Report(string? problem)
    {
        if (problem == _problem) return;
        _problem = problem;
        Context.Parent.Tell(new Health(problem));
    }

    private void OnRejected(IReadOnlyList<RejectedChange> rejected)
    {
        var deadLettered = _onDataError.Policy == DataErrorPolicy.DeadLetter;
        foreach (var r in rejected)
        {
            if (deadLettered)
                _log.Warning("{0}: row at {1} rejected by the sink and {2}: {3}", _table, r.Position, r.Stored ? "dead-lettered" : "already dead-lettered (a replay)", r.Error);
            else
                _log.Warning("{0}: row at {1} rejected by the sink and skipped (delivery.on-data-error = skip): {2}", _table, r.Position, r.Error);
        }
        Context.Parent.Tell(new Rejected(rejected, deadLettered));
    }

    private void ReadPosition(IActorRef replyTo, byte[]? token)
    {
        var participant = _participant;
        var sink = _sink;
        var ct = _stopping.Token;
        // Both outcomes come back here first, so a failure is retried before the requester hears of it.
        Start(async () =>
        {
            if (participant is not null) await participant.RecoverAsync(token, ct).ConfigureAwait(false);
            return await sink.ReadAppliedPositionAsync(ct).ConfigureAwait(false);
        }).PipeTo(Self,
            success: p => new ReadDone(replyTo, p),
            failure: e => new ReadFailed(replyTo, token, e));
    }

    private void TryWrite()
    {
        if (_busy || Timers.IsTimerActive("retry")) return;
        while (_queue.First?.Value is PositionMarker marker)
        {
            _queue.RemoveFirst();
            _lastMarkerLsn = marker.Position.CommitLsn;
            if (marker.Position <= _written) continue;
            _written = marker.Position;
            Context.Parent.Tell(_participant is null ? new Applied(marker.Position, 0) : new Written(marker.Position, 0));
        }
        if (_queue.Count == 0)
        {
            if (_pendingPrepare is { } p) StartPrepare(p.ReplyTo);
            return;
        }
        if (WaitForMore()) return;
        if (TakeGroup() is not { } group) return; // a planned write whose changes are still arriving
        _busy = true;
        if (_stable && !group.Replanned)
        {
            // Persist the write's boundaries first, so a replay after a crash is grouped (and labelled) the same.
            _awaitingPlan = group;
            Context.Parent.Tell(new PlanWrite(group.First, group.UpTo));
            return;
        }
        Send(group);
    }

    /// <summary>
    /// Batching by interval: a write below the row and byte limits waits up to <c>flush-interval</c> after its oldest
    /// change arrived, unless a checkpoint is waiting for it or a planned write must be replayed.
    /// </summary>
    private bool WaitForMore()
    {
        var current = _current();
        if (current.FlushInterval <= TimeSpan.Zero || _pendingPrepare is not null || _plans.Count > 0) return false;
        var due = (_oldestQueuedUtc ?? DateTime.UtcNow) + current.FlushInterval;
        if (DateTime.UtcNow >= due) return false;
        long rows = 0, bytes = 0;
        foreach (var item in _queue)
        {
            if (item is not ChangeBatch b) return false; // a marker waits behind these changes: do not delay it
            rows += b.Changes.Count;
            bytes += b.ApproximateBytes;
            if (rows >= current.MaxBatchRows || bytes >= current.MaxBatchBytes) return false;
        }
        if (!Timers.IsTimerActive("flush")) Timers.StartSingleTimer("flush", new FlushDue(), due - DateTime.UtcNow);
        return true;
    }

    /// <summary>One write: whole queued batches of one schema up to the row limit, or exactly a write planned before a restart.</summary>
    private sealed record Group(TableSchema Schema, List<RowChange> Changes, SourcePosition First, SourcePosition UpTo, int Batches, int TakenFromNext, bool Replanned);

    private Group? TakeGroup()
    {
        var first = (ChangeBatch)_queue.First!.Value;
        SourcePosition? limit = null;
        if (_stable)
        {
            // Plans wholly below what is queued were applied before the restart.
            while (_plans.Count > 0 && _plans.Peek().Last < first.First) _plans.Dequeue();
            if (_plans.Count > 0) limit = _plans.Peek().Last;
        }
        var current = _current();
        var maxRows = limit is null ? current.MaxBatchRows : int.MaxValue;
        var maxBytes = limit is null ? current.MaxBatchBytes : long.MaxValue;
        var changes = new List<RowChange>(first.Changes.Count);
        var batches = 0;
        var taken = 0;
        long bytes = 0;
        foreach (var item in _queue)
        {
            if (item is not ChangeBatch b) break;
            if (batches > 0 && (!ReferenceEquals(b.Schema, first.Schema) && !b.Schema.SameShapeAs(first.Schema)
                                || limit is null && (changes.Count + b.Changes.Count > maxRows || bytes + b.ApproximateBytes > maxBytes))) break;
            if (limit is { } l && b.Last > l)
            {
                // The planned write ends inside this batch: take its changes up to the plan's end.
                for (var i = 0; i < b.Changes.Count && b.Changes[i].Position <= l; i++, taken++) changes.Add(b.Changes[i]);
                break;
            }
            for (var i = 0; i < b.Changes.Count; i++) changes.Add(b.Changes[i]);
            bytes += b.ApproximateBytes;
            batches++;
            if (limit is { } end && b.Last == end) break;
        }
        if (limit is { } planEnd && changes[^1].Position < planEnd) return null;
        return new Group(first.Schema, changes, changes[0].Position, changes[^1].Position, batches, taken, limit is not null);
    }

    private void Send(Group group)
    {
        var upTo = group.UpTo;
        var rows = group.Changes.Count;
        var batches = group.Batches;
        var taken = group.TakenFromNext;
        _writing = Metrics.TableMetrics.Count(group.Changes, _lastMarkerLsn);
        var isolation = new RejectionIsolation(_sink, _onDataError, bisect: _participant is null, _stopping.Token);
        Start(() => isolation.WriteAsync(group.Schema, group.Changes, upTo)).PipeTo(Self,
            success: rejected => new WriteDone(upTo, rows, batches, taken, rejected),
            failure: e => new WriteFailed(e));
    }

    private static ChangeBatch Remainder(ChangeBatch batch, int skip)
    {
        var rest = new List<RowChange>(batch.Changes.Count - skip);
        var bytes = 0;
        for (var i = skip; i < batch.Changes.Count; i++)
        {
            rest.Add(batch.Changes[i]);
            bytes += batch.Changes[i].ApproximateBytes;
        }
        return new ChangeBatch(batch.Schema, rest, bytes);
    }

    private void StartPrepare(IActorRef replyTo)
    {
        _pendingPrepare = null;
        if (_participant is null)
        {
            replyTo.Tell(new CheckpointFailed(new InvalidOperationException("this sink does not commit at checkpoints")));
            return;
        }
        _busy = true;
        var upTo = _written;
        var participant = _participant;
        Start(() => participant.PrepareAsync(upTo, _stopping.Token)).PipeTo(Self,
            success: token => new PrepareDone(replyTo, token, upTo),
            failure: e => new CheckpointStepFailed(replyTo, e));
    }

    /// <summary>A sink that throws before returning its task fails like one whose task faults: retried, never a crash.</summary>
    private static Task<T> Start<T>(Func<Task<T>> call)
    {
        try { return call(); }
        catch (Exception e) { return Task.FromException<T>(e); }
    }

    private static Task Start(Func<Task> call)
    {
        try { return call(); }
        catch (Exception e) { return Task.FromException(e); }
    }

    private static string Describe(Exception e) => e is AggregateException { InnerException: { } inner } ? inner.Message : e.Message;

    protected override void PostStop()
    {
        _stopping.Cancel();
        _ = _sink.DisposeAsync().AsTask().ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        if (_onDataError.Target is { } deadLetters)
            _ = deadLetters.DisposeAsync().AsTask().ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        _stopping.Dispose();
    }
}
