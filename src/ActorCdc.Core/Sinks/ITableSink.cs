using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Core.Sinks;

/// <summary>
/// Writes the changes of one source table into its target. Calls come from one SinkWriter, never concurrently.
/// </summary>
public interface ITableSink : IAsyncDisposable
{
    /// <summary>
    /// The position up to which the sink already holds this table's changes, where the sink records it with the rows
    /// (transactional sinks); <see cref="SourcePosition.Start"/> when it holds nothing; null when it cannot tell.
    /// </summary>
    Task<SourcePosition?> ReadAppliedPositionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Applies changes in order. When the returned task completes, every change is committed in the sink
    /// (and, for transactional sinks, <paramref name="upTo"/> is recorded in the same transaction).
    /// </summary>
    Task ApplyAsync(TableSchema schema, IReadOnlyList<RowChange> changes, SourcePosition upTo, CancellationToken cancellationToken);
}
