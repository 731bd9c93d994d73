using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Savepoints;
using ActorCdc.Engine.Snapshots;
using ActorCdc.Engine.Wal;
using ActorCdc.Source.Postgres;
using Akka.Actor;
using Akka.Event;
using Akka.Pattern;

namespace ActorCdc.Engine.Pipelines;

/// <summary>
/// Job: runs one pipeline as a cluster singleton: prepares the source (tables, publication, slot), then runs the
/// WalReader under an exponential backoff supervisor with jitter and a cap.
/// State: the pipeline's state (Starting, Streaming, Failed with a reason), the captured tables, the last reader status.
/// Supervision: child of a ClusterSingletonManager, so it moves to another node when its node leaves or dies.
/// </summary>
public sealed class PipelineManager : ReceiveActor, IWithTimers
{
    private sealed record Prepared(IReadOnlyList<TableId> Tables);
    private sealed record PrepareFailed(Exception Error);
    private sealed record RetryPrepare;
    private sealed record DiscoverTables;
    private sealed record Discovered(IReadOnlyList<TableId> Tables);

    private readonly PipelineSettings _settings;
    private readonly PipelineRuntime _runtime;
    private readonly IActorRef _region;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private PipelineState _state = PipelineState.Starting;
    private string? _reason;
    private IActorRef _reader = ActorRefs.Nobody;
    private IActorRef _coordinator = ActorRefs.Nobody;
    private readonly HashSet<TableId> _captured = new();
    private bool _backfillDone;
    private IActorRef? _savepointFor;
    private int _attempt;
    private bool _paused;
    private ProfileMode _profileMode;
    private long _sessions;

    public PipelineManager(PipelineRuntime runtime, IActorRef region)
    {
        _runtime = runtime;
        _settings = runtime.Settings;
        _region = region;
        _profileMode = _settings.ProfileMode;

        Receive<Prepared>(p =>
        {
            _attempt = 0;
            _log.Info("{0}: capturing {1} table(s): {2}", _settings.Name, p.Tables.Count, string.Join(", ", p.Tables));
            _captured.UnionWith(p.Tables);
            var child = WalReader.Props(_runtime, _region, Self);
            var retry = _settings.SourceRetry;
            var options = Backoff.OnFailure(child, "wal-reader", retry.MinBackoff, retry.MaxBackoff, retry.RandomFactor, -1)
                .WithAutoReset(TimeSpan.FromSeconds(30));
            _reader = Context.ActorOf(BackoffSupervisor.Props(options), "wal-reader-supervisor");
            _coordinator = Context.ActorOf(SnapshotCoordinator.Props(_runtime, _region, Self, p.Tables), "snapshot-coordinator");
            Timers.StartPeriodicTimer("discover", new DiscoverTables(), _settings.TableDiscoveryInterval);
        });
        Receive<DiscoverTables>(_ => Discover());
        Receive<Discovered>(d =>
        {
            var added = d.Tables.Where(t => _captured.Add(t)).ToList();
            if (added.Count == 0) return;
            _log.Info("{0}: now also capturing {1}", _settings.Name, string.Join(", ", added));
            _coordinator.Tell(new AddTables(added));
        });
        Receive<BackfillFinished>(_ =>
        {
            _backfillDone = true;
            if (_profileMode == ProfileMode.Auto && _runtime.Profile != Profile.Steady)
            {
                _runtime.Profile = Profile.Steady;
                _log.Info("{0}: backfill finished; switching to the steady profile", _settings.Name);
            }
            if (_settings.Snapshot.Mode == SnapshotMode.InitialOnly)
            {
                _state = PipelineState.Completed;
                _log.Info("{0}: snapshot.mode = initial-only and every table is copied: the pipeline stops reading", _settings.Name);
                if (!_reader.IsNobody()) Context.Stop(_reader);
                _reader = ActorRefs.Nobody;
            }
        });
        Receive<Resnapshot>(r =>
        {
            _backfillDone = false;
            if (_profileMode == ProfileMode.Auto) _runtime.Profile = Profile.Backfill;
            _coordinator.Forward(r);
        });
        Receive<GetBackfillProgress>(g => _coordinator.Forward(g));
        Receive<TakeSavepoint>(_ =>
        {
            if (_reader.IsNobody() || _savepointFor is not null)
            {
                Sender.Tell(new SavepointFailed(_settings.Name, _savepointFor is not null
                    ? "a savepoint of this pipeline is already being taken; wait for it"
                    : $"the pipeline is {_state}, not reading; a savepoint needs a running pipeline"));
                return;
            }
            _savepointFor = Sender;
            _log.Info("{0}: taking a savepoint: pausing the reader until everything sent is durable", _settings.Name);
            _reader.Tell(new WalReader.Pause());
        });
        Receive<WalReader.Drained>(_ =>
        {
            if (_savepointFor is null) return;
            Context.ActorOf(SavepointWriter.Props(_settings.Name, _captured.ToList(), _region, _coordinator, Self));
        });
        Receive<SavepointTaken>(t =>
        {
            _log.Info("{0}: savepoint {1} written to {2} ({3} entities)", _settings.Name, t.SavepointId, t.Location, t.Entities);
            FinishSavepoint(t);
        });
        Receive<SavepointFailed>(FinishSavepoint);
        Receive<SetProfile>(s =>
        {
            _runtime.Profile = s.Profile;
            Sender.Tell($"{_settings.Name}: profile {s.Profile.ToString().ToLowerInvariant()} in force");
        });
        Receive<SetProfileMode>(s =>
        {
            _profileMode = s.Mode;
            _runtime.Profile = s.Mode switch
            {
                ProfileMode.Backfill => Profile.Backfill,
                ProfileMode.Steady => Profile.Steady,
                _ => _backfillDone ? Profile.Steady : Profile.Backfill,
            };
            _log.Info("{0}: profile {1} in force ({2})", _settings.Name, _runtime.Profile, s.Mode == ProfileMode.Auto ? "auto" : "forced by an operator");
            Sender.Tell(new ProfileInForce(_settings.Name, _runtime.Profile, _profileMode));
        });
        Receive<GetProfile>(_ => Sender.Tell(new ProfileInForce(_settings.Name, _runtime.Profile, _profileMode)));
        Receive<PausePipeline>(_ => OnPause());
        Receive<ResumePipeline>(_ => OnResume());
        Receive<PrepareFailed>(f =>
        {
            if (f.Error is CdcException { Kind: FailureKind.Fatal } fatal)
            {
                Fail(fatal.Message);
                return;
            }
            _attempt++;
            var delay = _settings.SourceRetry.Delay(_attempt);
            _log.Warning("{0}: preparing the source failed (attempt {1}): {2}; retrying in {3:0.0}s",
                _settings.Name, _attempt, f.Error.Message, delay.TotalSeconds);
            Timers.StartSingleTimer("prepare", new RetryPrepare(), delay);
        });
        Receive<RetryPrepare>(_ => Prepare());
        Receive<WalReader.Streaming>(_ =>
        {
            _sessions++; // counted here: a reader restarted by its backoff supervisor forgets its own count
            if (_state is PipelineState.Failed or PipelineState.Completed) return;
            _state = PipelineState.Streaming;
            _reason = null;
            if (_paused) _reader.Tell(new WalReader.Pause()); // a restarted reader starts unpaused
        });
        Receive<WalReader.Failed>(f => Fail(f.Reason));
        Receive<WalReader.Retrying>(r =>
        {
            if (_state is PipelineState.Failed or PipelineState.Completed) return;
            _state = PipelineState.Degraded;
            _reason = r.Reason;
        });
        Receive<GetPipelineStatus>(_ => ReplyStatus());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(PipelineRuntime runtime, IActorRef region) =>
        Akka.Actor.Props.Create(() => new PipelineManager(runtime, region));

    protected override void PreStart()
    {
        // An operator's pause is not persisted: a manager that (re)starts, here or on another node, streams again.
        _runtime.PausedByOperator = false;
        Prepare();
    }

    private void Prepare()
    {
        var settings = _settings.Source;
        var self = Self;
        Task.Run(async () =>
        {
            await using var admin = new SourceAdmin(settings);
            return await admin.PrepareAsync(CancellationToken.None).ConfigureAwait(false);
        }).PipeTo(self, success: t => new Prepared(t), failure: e => new PrepareFailed(e));
    }

    private void FinishSavepoint(object result)
    {
        if (!_reader.IsNobody() && !_paused) _reader.Tell(new WalReader.Resume());
        _savepointFor?.Tell(result);
        _savepointFor = null;
    }

    private void OnPause()
    {
        var name = _settings.Name;
        if (_state is PipelineState.Failed or PipelineState.Completed || _reader.IsNobody())
        {
            Sender.Tell(new PipelineControlled(name, false, _state == PipelineState.Failed
                ? $"pipeline {name} is Failed ({_reason}), not reading, so there is nothing to pause; fix the cause and restart the node"
                : $"pipeline {name} is {_state}, not reading, so there is nothing to pause"));
            return;
        }
        if (_paused)
        {
            Sender.Tell(new PipelineControlled(name, true, $"pipeline {name} was already paused; `cdc resume -p {name}` lets it go on"));
            return;
        }
        _paused = true;
        _runtime.PausedByOperator = true;
        // The reader stops pulling changes; batches already sent still become durable and the slot is confirmed for them.
        _reader.Tell(new WalReader.Pause());
        _log.Info("{0}: paused by an operator", name);
        Sender.Tell(new PipelineControlled(name, true, $"pipeline {name} paused; `cdc resume -p {name}` lets it go on"));
    }

    private void OnResume()
    {
        var name = _settings.Name;
        if (!_paused)
        {
            Sender.Tell(new PipelineControlled(name, true, $"pipeline {name} was not paused ({_state})"));
            return;
        }
        _paused = false;
        _runtime.PausedByOperator = false;
        if (!_reader.IsNobody() && _savepointFor is null) _reader.Tell(new WalReader.Resume());
        _log.Info("{0}: resumed by an operator", name);
        Sender.Tell(new PipelineControlled(name, true, $"pipeline {name} resumed"));
    }

    /// <summary>Tables added to the publication, or newly matching the configured patterns, are picked up and backfilled.</summary>
    private void Discover()
    {
        // ack-on = checkpointed: entities that moved hold checkpointed batches for the sink; start them even if idle.
        if (_settings.Delivery.AckOn == AckOn.Checkpointed)
            foreach (var t in _captured) _region.Tell(new WakeTable(_settings.Name, t));
        var source = _settings.Source;
        Task.Run(async () =>
        {
            await using var admin = new SourceAdmin(source);
            var tables = new List<TableId>(await admin.DiscoverTablesAsync(CancellationToken.None).ConfigureAwait(false));
            tables.AddRange(await admin.PublishedTablesAsync(CancellationToken.None).ConfigureAwait(false));
            return tables;
        }).PipeTo(Self, success: t => new Discovered(t), failure: e => new Discovered([]));
    }

    private void Fail(string reason)
    {
        _state = PipelineState.Failed;
        _reason = reason;
        Timers.Cancel("discover");
        _log.Error("{0}: pipeline FAILED: {1}", _settings.Name, reason);
        if (!_reader.IsNobody()) Context.Stop(_reader);
        _reader = ActorRefs.Nobody;
    }

    private void ReplyStatus()
    {
        var sender = Sender;
        var state = _state;
        var reason = _reason;
        var name = _settings.Name;
        var backfillDone = _backfillDone;
        if (_paused && state is PipelineState.Streaming or PipelineState.Starting) state = PipelineState.Paused;
        var reconnects = Math.Max(0, _sessions - 1);
        if (_reader.IsNobody() || state == PipelineState.Failed)
        {
            sender.Tell(Empty(name, state, reason));
            return;
        }
        _reader.Ask<PipelineStatus>(GetPipelineStatus.Instance, TimeSpan.FromSeconds(5))
            .ContinueWith(t => t.IsCompletedSuccessfully
                ? t.Result with
                {
                    State = state == PipelineState.Streaming && t.Result.State == PipelineState.Degraded ? PipelineState.Degraded
                        : state == PipelineState.Streaming && !backfillDone ? PipelineState.Backfilling : state,
                    Reason = reason ?? t.Result.Reason,
                    Reconnects = Math.Max(t.Result.Reconnects, reconnects),
                }
                : Empty(name, state, reason), TaskScheduler.Default)
            .PipeTo(sender);
    }

    private static PipelineStatus Empty(string name, PipelineState state, string? reason) =>
        new(name, state, reason, default, default, 0, 0, 0, 0, []);
}
