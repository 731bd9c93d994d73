using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Core.Changes;

/// <summary>
/// Consecutive changes of one table, in position order, all described by one schema version.
/// </summary>
public sealed class ChangeBatch
{
    public ChangeBatch(TableSchema schema, IReadOnlyList<RowChange> changes, int approximateBytes)
    {
        if (changes.Count == 0) throw new ArgumentException("A change batch holds at least one change.", nameof(changes));
        Schema = schema;
        Changes = changes;
        ApproximateBytes = approximateBytes;
    }

    public TableSchema Schema { get; }
    public TableId Table => Schema.Table;
    public IReadOnlyList<RowChange> Changes { get; }
    public int ApproximateBytes { get; }
    public SourcePosition First => Changes[0].Position;
    public SourcePosition Last => Changes[^1].Position;

    public override string ToString() => $"{Table} [{First}..{Last}] {Changes.Count} changes";
}
