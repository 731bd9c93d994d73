using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Backfill;

namespace ActorCdc.Engine.Tables;

/// <summary>
/// The one-pass backfill of a table without a key (REPLICA IDENTITY FULL): rows cannot be matched to changes, so the
/// entity holds the table's stream from the low watermark, and at the high watermark replaces the sink table whole:
/// TRUNCATE, the snapshot's rows, then every change before the high watermark that the snapshot does not see (from the
/// lookback and the window) in order; the held window changes themselves are dropped (the snapshot or the overlay has
/// them). Not resumable per chunk: a failed attempt reads the whole table again.
/// </summary>
internal sealed class WholeTableLoad(long chunkId, int attempt, TableSchema tableSchema)
{
    private readonly List<ColumnValue[]> _rows = new();
    private readonly List<StreamedChange> _window = new();
    private IXidVisibility? _snapshot;
    private long _expectedRows = -1;

    public long ChunkId { get; } = chunkId;
    public TableSchema Schema { get; } = tableSchema;
    public int Attempt { get; } = attempt;
    public SourcePosition? LowWatermark { get; private set; }
    public SourcePosition? HighWatermark { get; private set; }
    public string? VoidReason { get; private set; }
    public bool IsComplete => LowWatermark is not null && HighWatermark is not null && _snapshot is not null;

    public void OnLow(SourcePosition position) => LowWatermark ??= position;

    public void OnHigh(SourcePosition position) => HighWatermark ??= position;

    public void OnWindowChange(StreamedChange change)
    {
        if (LowWatermark is null || HighWatermark is not null) return;
        _window.Add(change);
    }

    public void OnRows(TableSchema rowsSchema, IReadOnlyList<ColumnValue[]> rows)
    {
        if (!rowsSchema.SameShapeAs(Schema)) VoidReason ??= "the table's schema changed during its one-pass read";
        _rows.AddRange(rows);
    }

    public void OnEnd(IXidVisibility snapshot, long rowCount)
    {
        _snapshot = snapshot;
        _expectedRows = rowCount;
    }

    /// <summary>TRUNCATE, the rows, and the changes the snapshot missed, at positions after the high watermark; null when voided.</summary>
    public IReadOnlyList<RowChange>? Complete(LookbackBuffer lookback)
    {
        if (_expectedRows != _rows.Count) VoidReason ??= $"{_rows.Count} rows arrived, the reader counted {_expectedRows}";
        var before = lookback.InvisibleBefore(LowWatermark!.Value, _snapshot!, out var insufficient);
        if (insufficient) VoidReason ??= "the lookback no longer holds every change the snapshot may have missed";
        if (VoidReason is not null) return null;

        var hw = HighWatermark!.Value.CommitLsn;
        var index = 1L;
        var result = new List<RowChange>(_rows.Count + 1 + before.Count) { new(ChangeKind.Truncate, new SourcePosition(hw, index++), null, null) };
        foreach (var row in _rows) result.Add(new RowChange(ChangeKind.Insert, new SourcePosition(hw, index++), row, null));
        foreach (var c in before) Overlay(c);
        foreach (var c in _window)
            if (!_snapshot!.IsVisible(c.Xid)) Overlay(c);
        return VoidReason is null ? result : null;

        void Overlay(StreamedChange c)
        {
            if (!c.Schema.SameShapeAs(Schema))
            {
                VoidReason ??= "the table's schema changed during its one-pass read";
                return;
            }
            result.Add(new RowChange(c.Change.Kind, new SourcePosition(hw, index++), c.Change.New, c.Change.Old));
        }
    }
}
