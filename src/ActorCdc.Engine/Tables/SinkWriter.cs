using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Sinks;
using ActorCdc.Engine.Configuration;
using Akka.Actor;
using Akka.Event;

namespace ActorCdc.Engine.Tables;

/// <summary>
/// Job: writes one table's persisted batches into the sink in order, grouping what queued up while the previous
/// write ran into one write, and reports each applied position to its TableEntity.
/// State: the table sink, the queue of batches not yet applied, the retry attempt.
/// Supervision: child of its TableEntity (restarted with it); sink errors are retried here with exponential backoff
/// and jitter, and logged with what to do, so a sink outage never loses or reorders a change.
/// </summary>
public sealed class SinkWriter : ReceiveActor, IWithTimers
{
    /// <summary>Asks for the position the sink already holds; answered with <see cref="SinkPositionRead"/>.</summary>
    public sealed record ReadAppliedPosition;

    /// <summary>The sink's applied position, or null when the sink cannot tell.</summary>
    public sealed record SinkPositionRead(SourcePosition? Position);

    /// <summary>Every change up to <see cref="Position"/> is committed in the sink.</summary>
    public sealed record Applied(SourcePosition Position, int Rows);

    private sealed record ApplyDone(SourcePosition Position, int Rows, int Batches);
    private sealed record ApplyFailed(Exception Error);
    private sealed record ReadFailed(IActorRef ReplyTo, Exception Error);
    private sealed record Retry;

    private readonly ITableSink _sink;
    private readonly SinkSettings _settings;
    private readonly string _table;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LinkedList<ChangeBatch> _queue = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly RetrySettings _retry;
    private bool _busy;
    private int _attempt;

    public SinkWriter(ITableSink sink, SinkSettings settings, string table)
    {
        _sink = sink;
        _settings = settings;
        _table = table;
        _retry = new RetrySettings(settings.RetryMinBackoff, settings.RetryMaxBackoff, 0.2, 0);

        Receive<ReadAppliedPosition>(_ => ReadPosition(Sender));
        Receive<ReadFailed>(f =>
        {
            _attempt++;
            var delay = _retry.Delay(_attempt);
            _log.Warning("Reading the applied position of {0} from the sink failed (attempt {1}): {2}. Retrying in {3:0.0}s; check that the sink is reachable.",
                _table, _attempt, f.Error.Message, delay.TotalSeconds);
            Timers.StartSingleTimer("read", new ReadRetry(f.ReplyTo), delay);
        });
        Receive<ReadRetry>(r => ReadPosition(r.ReplyTo));
        Receive<ReadDone>(d =>
        {
            _attempt = 0;
            d.ReplyTo.Tell(new SinkPositionRead(d.Position));
        });
        Receive<ChangeBatch>(b =>
        {
            _queue.AddLast(b);
            TryWrite();
        });
        Receive<ApplyDone>(d =>
        {
            _busy = false;
            _attempt = 0;
            for (var i = 0; i < d.Batches; i++) _queue.RemoveFirst();
            Context.Parent.Tell(new Applied(d.Position, d.Rows));
            TryWrite();
        });
        Receive<ApplyFailed>(f =>
        {
            _busy = false;
            _attempt++;
            var delay = _retry.Delay(_attempt);
            var kind = f.Error is CdcException c ? c.Kind : FailureKind.Transient;
            var fix = kind == FailureKind.Fatal ? " Fix the sink (credentials, permissions, target table) to let it continue." : "";
            _log.Error($"Writing {_queue.Count} batch(es) of {_table} to the sink failed (attempt {_attempt}, {kind}): {Describe(f.Error)}. " +
                       $"Retrying in {delay.TotalSeconds:0.0}s; the changes stay queued and the slot keeps their WAL until the write succeeds.{fix}");
            Timers.StartSingleTimer("retry", new Retry(), delay);
        });
        Receive<Retry>(_ => TryWrite());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private sealed record ReadRetry(IActorRef ReplyTo);
    private sealed record ReadDone(IActorRef ReplyTo, SourcePosition? Position);

    public static Props Props(ITableSink sink, SinkSettings settings, string table) =>
        Akka.Actor.Props.Create(() => new SinkWriter(sink, settings, table));

    private void ReadPosition(IActorRef replyTo)
    {
        // Both outcomes come back here first, so a failure is retried before the requester hears of it.
        Start(() => _sink.ReadAppliedPositionAsync(_stopping.Token)).PipeTo(Self,
            success: p => new ReadDone(replyTo, p),
            failure: e => new ReadFailed(replyTo, e));
    }

    private void TryWrite()
    {
        if (_busy || _queue.Count == 0 || Timers.IsTimerActive("retry")) return;
        var first = _queue.First!.Value;
        var changes = new List<RowChange>(first.Changes.Count);
        var batches = 0;
        var last = first.Last;
        foreach (var b in _queue)
        {
            if (batches > 0 && (!ReferenceEquals(b.Schema, first.Schema) && !b.Schema.SameShapeAs(first.Schema)
                                || changes.Count + b.Changes.Count > _settings.MaxBatchRows)) break;
            for (var i = 0; i < b.Changes.Count; i++) changes.Add(b.Changes[i]);
            last = b.Last;
            batches++;
        }
        _busy = true;
        var rows = changes.Count;
        var upTo = last;
        var count = batches;
        var schema = first.Schema;
        Start(() => _sink.ApplyAsync(schema, changes, upTo, _stopping.Token)).PipeTo(Self,
            success: () => new ApplyDone(upTo, rows, count),
            failure: e => new ApplyFailed(e));
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
        _stopping.Dispose();
    }
}
