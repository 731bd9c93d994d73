using ActorCdc.Core.Positions;

namespace ActorCdc.Sink.StarRocks.Loads;

/// <summary>Where the <see cref="LoadPlanner"/> sends what it plans: a Stream Load, a transaction load, a truncation.</summary>
internal interface ILoadTarget
{
    /// <summary>Loads one planned body; when the task completes the body may be reused.</summary>
    Task LoadAsync(LoadGroup load, CancellationToken cancellationToken);

    /// <summary>Empties the table; every load planned before it has completed.</summary>
    Task TruncateAsync(SourcePosition at, CancellationToken cancellationToken);
}
