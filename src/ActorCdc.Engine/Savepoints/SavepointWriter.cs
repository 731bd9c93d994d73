using ActorCdc.Core.Schema;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Snapshots;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using Akka.Actor;
using Akka.Event;

namespace ActorCdc.Engine.Savepoints;

/// <summary>
/// Job: writes one savepoint. The PipelineManager has paused its WalReader and waited until everything sent is
/// durable, so every entity's state stands at the same point of the stream; this actor collects each entity's state
/// and the backfill coordinator's, writes them through the savepoint store (manifest last), and reports.
/// State: the answers collected so far. Supervision: a short-lived child of the PipelineManager; it stops itself.
/// </summary>
public sealed class SavepointWriter : ReceiveActor, IWithTimers
{
    private sealed record Written(SavepointManifest Manifest);
    private sealed record WriteFailed(Exception Error);
    private sealed record GiveUp;

    private readonly string _pipeline;
    private readonly IActorRef _replyTo;
    private readonly HashSet<TableId> _waiting;
    private readonly List<StoredSnapshot> _entries = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _coordinatorAnswered;

    public SavepointWriter(string pipeline, IReadOnlyCollection<TableId> tables, IActorRef region, IActorRef coordinator, IActorRef replyTo)
    {
        _pipeline = pipeline;
        _replyTo = replyTo;
        _waiting = new HashSet<TableId>(tables);
        foreach (var t in tables) region.Tell(new ExportState(pipeline, t));
        coordinator.Tell(new ExportBackfillState());
        _coordinatorAnswered = coordinator.IsNobody();

        Receive<ExportedState>(e =>
        {
            if (!_waiting.Remove(e.Table)) return;
            _entries.Add(new StoredSnapshot("table|" + TableEntityId.For(_pipeline, e.Table), 0, DateTime.UtcNow,
                SavepointPayload.Encode(Context.System, e.Snapshot)));
            TryWrite();
        });
        Receive<BackfillState>(s =>
        {
            _coordinatorAnswered = true;
            _entries.Add(new StoredSnapshot("backfill|" + _pipeline, 0, DateTime.UtcNow, SavepointPayload.Encode(Context.System, s)));
            TryWrite();
        });
        Receive<Written>(w =>
        {
            _replyTo.Tell(new SavepointTaken(_pipeline, w.Manifest.SavepointId, CheckpointStorage.Get(Context.System).Savepoints!.Location, w.Manifest.Entries.Count));
            Context.Stop(Self);
        });
        Receive<WriteFailed>(f => Fail($"writing the savepoint failed: {f.Error.Message}"));
        Receive<GiveUp>(_ => Fail($"no answer from {string.Join(", ", _waiting)} within 60s; check that the pipeline's table entities are running and try again"));
        Timers.StartSingleTimer("give-up", new GiveUp(), TimeSpan.FromSeconds(60));
        TryWrite();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string pipeline, IReadOnlyCollection<TableId> tables, IActorRef region, IActorRef coordinator, IActorRef replyTo) =>
        Akka.Actor.Props.Create(() => new SavepointWriter(pipeline, tables, region, coordinator, replyTo));

    private void TryWrite()
    {
        if (_waiting.Count > 0 || !_coordinatorAnswered) return;
        var savepoints = CheckpointStorage.Get(Context.System).Savepoints;
        if (savepoints is null)
        {
            Fail("no checkpoint storage is configured (actorcdc.state.checkpoints.storage): savepoints are written there");
            return;
        }
        savepoints.WriteAsync(_pipeline, _entries, CancellationToken.None)
            .PipeTo(Self, success: m => new Written(m), failure: e => new WriteFailed(e));
        _waiting.Add(new TableId("", "")); // written once
    }

    private void Fail(string reason)
    {
        _log.Error("{0}: savepoint failed: {1}", _pipeline, reason);
        _replyTo.Tell(new SavepointFailed(_pipeline, reason));
        Context.Stop(Self);
    }
}
