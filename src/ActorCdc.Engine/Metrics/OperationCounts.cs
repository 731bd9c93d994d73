using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;

namespace ActorCdc.Engine.Metrics;

/// <summary>Rows of one sink write by operation, counted without allocating.</summary>
public struct OperationCounts
{
    /// <summary>The <c>operation</c> tag values, indexed like the counts.</summary>
    internal static readonly string[] Names = ["insert", "update", "delete", "truncate", "backfill"];

    private long _insert, _update, _delete, _truncate, _backfill;

    internal readonly long this[int i] => i switch { 0 => _insert, 1 => _update, 2 => _delete, 3 => _truncate, _ => _backfill };

    public readonly long Total => _insert + _update + _delete + _truncate + _backfill;

    /// <summary>Backfilled rows sit at their chunk's high watermark, whose transaction holds nothing else (DESIGN.md §3.5).</summary>
    public static OperationCounts Of(IReadOnlyList<RowChange> changes, Lsn backfillLsn)
    {
        var c = default(OperationCounts);
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            if (backfillLsn != Lsn.Zero && change.Position.CommitLsn == backfillLsn) { c._backfill++; continue; }
            switch (change.Kind)
            {
                case ChangeKind.Insert: c._insert++; break;
                case ChangeKind.Update: c._update++; break;
                case ChangeKind.Delete: c._delete++; break;
                case ChangeKind.Truncate: c._truncate++; break;
            }
        }
        return c;
    }
}
