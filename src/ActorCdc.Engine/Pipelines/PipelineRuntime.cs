using ActorCdc.Core.Positions;
using ActorCdc.Core.Sinks;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Wal;

namespace ActorCdc.Engine.Pipelines;

/// <summary>
/// What the actors of one pipeline share on a node: its settings, its sink, and the profile in force, which actors
/// read at their natural points (each sink write, each checkpoint, each reader tick) so a switch takes effect without
/// restarting anything.
/// </summary>
public sealed class PipelineRuntime(PipelineSettings settings, ISinkFactory sinkFactory)
{
    private volatile int _profile = settings.ProfileMode == ProfileMode.Steady ? (int)Profile.Steady : (int)Profile.Backfill;

    /// <summary>The settings as configured (steady profile when read with profiles).</summary>
    public PipelineSettings Settings { get; } = settings;

    public ISinkFactory SinkFactory { get; } = sinkFactory;

    public Profile Profile
    {
        get => (Profile)_profile;
        set => _profile = (int)value;
    }

    /// <summary>Set by the PipelineManager while an operator has paused the pipeline; a (re)starting WalReader starts paused.</summary>
    public bool PausedByOperator
    {
        get => Volatile.Read(ref _pausedByOperator);
        set => Volatile.Write(ref _pausedByOperator, value);
    }

    private bool _pausedByOperator;

    /// <summary>The settings under the profile in force.</summary>
    public PipelineSettings Current => Settings.For(Profile);

    /// <summary>The pipeline's in-flight byte budget; each WalReader incarnation resets it, its peak stays.</summary>
    public CreditGate CreditGate { get; } = new(settings.FlowControl.PipelineBudgetBytes, settings.FlowControl.TableBudgetBytes)
    {
        Metrics = ActorCdc.Engine.Metrics.CdcMetrics.Pipeline(settings.Name),
    };

    private long _confirmedLsn;

    /// <summary>The newest LSN any WalReader of this pipeline confirmed on this node (names what a lost slot loses).</summary>
    public Lsn ConfirmedLsn
    {
        get => new((ulong)Interlocked.Read(ref _confirmedLsn));
        set => Interlocked.Exchange(ref _confirmedLsn, (long)value.Value);
    }
}
