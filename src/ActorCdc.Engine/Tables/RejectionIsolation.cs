using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.DeadLetters;

namespace ActorCdc.Engine.Tables;

/// <summary>
/// One sink write that survives rejected rows: when the sink refuses the write as a data error, the changes are written
/// in halves, recursively and in order, until single changes are refused; each of those follows the policy before
/// anything after it is written. Sink writes are idempotent by position, so rewriting a half that was partly written
/// before a failure is harmless.
/// </summary>
/// <remarks>
/// Sinks that name writes by position (StarRocks labels from the first and last position) get a label per half: a half
/// is a contiguous range of the planned write, so a label always names the table's changes between its two positions,
/// the same rows whoever writes them, and the halving is deterministic, so a replay after a crash repeats it exactly.
/// Sinks that commit at checkpoints (<see cref="ICheckpointParticipant"/>: StarRocks transactions, Parquet files) are not
/// bisected: a refused write may have left part of its rows in the open transaction or file, and writing subsets again
/// would duplicate them there, so the policy applies to the whole write.
/// </remarks>
internal sealed class RejectionIsolation(ITableSink sink, DataErrorHandling handling, bool bisect, CancellationToken cancellationToken)
{
    private readonly List<SinkWriter.RejectedChange> _rejected = new();

    /// <summary>Writes <paramref name="changes"/>; returns the changes skipped or dead-lettered (empty when all were written).</summary>
    public async Task<IReadOnlyList<SinkWriter.RejectedChange>> WriteAsync(TableSchema schema, IReadOnlyList<RowChange> changes, SourcePosition upTo)
    {
        try
        {
            await sink.ApplyAsync(schema, changes, upTo, cancellationToken).ConfigureAwait(false);
            return [];
        }
        catch (Exception e) when (IsDataError(e))
        {
            if (!bisect || changes.Count == 1)
            {
                await RejectAsync(schema, changes, 0, changes.Count, e).ConfigureAwait(false);
                return _rejected;
            }
            await SplitAsync(schema, changes, 0, changes.Count, upTo).ConfigureAwait(false);
            return _rejected;
        }
    }

    /// <summary>Writes [from, to), known to hold a rejected change, as two halves in order.</summary>
    private async Task SplitAsync(TableSchema schema, IReadOnlyList<RowChange> changes, int from, int to, SourcePosition upTo)
    {
        var mid = from + (to - from) / 2;
        await WriteRangeAsync(schema, changes, from, mid, changes[mid - 1].Position).ConfigureAwait(false);
        await WriteRangeAsync(schema, changes, mid, to, to == changes.Count ? upTo : changes[to - 1].Position).ConfigureAwait(false);
    }

    private async Task WriteRangeAsync(TableSchema schema, IReadOnlyList<RowChange> changes, int from, int to, SourcePosition upTo)
    {
        var part = Slice(changes, from, to);
        try
        {
            await sink.ApplyAsync(schema, part, upTo, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsDataError(e))
        {
            if (to - from == 1) await RejectAsync(schema, changes, from, to, e).ConfigureAwait(false);
            else await SplitAsync(schema, changes, from, to, upTo).ConfigureAwait(false);
        }
    }

    /// <summary>Applies the policy to the refused changes [from, to): one change when bisected, a whole write otherwise.</summary>
    private async Task RejectAsync(TableSchema schema, IReadOnlyList<RowChange> changes, int from, int to, Exception error)
    {
        var reason = Reason(error);
        if (handling.Policy == DataErrorPolicy.Fail)
        {
            var at = to - from == 1 ? $"row at {changes[from].Position}" : $"a row of the write {changes[from].Position}..{changes[to - 1].Position}";
            throw CdcException.DataError($"{at} rejected: {reason}; fix the target or set delivery.on-data-error = dead-letter | skip", error);
        }
        for (var i = from; i < to; i++)
        {
            var change = changes[i];
            var stored = false;
            if (handling.Policy == DataErrorPolicy.DeadLetter)
                stored = await handling.Target!.WriteAsync(DeadLetter.Of(handling.Pipeline, schema, change, reason), cancellationToken).ConfigureAwait(false);
            _rejected.Add(new SinkWriter.RejectedChange(change.Position, reason, stored));
        }
    }

    private static bool IsDataError(Exception e) =>
        (e is AggregateException { InnerException: { } inner } ? inner : e) is CdcException { Kind: FailureKind.Data };

    /// <summary>The sink's own words (the server's message when it gave one), without the generic advice around them.</summary>
    private static string Reason(Exception e)
    {
        if (e is AggregateException { InnerException: { } inner }) e = inner;
        var text = e is CdcException { InnerException: { } cause } ? cause.Message : e.Message;
        // Servers add DETAIL lines (Npgsql puts them in the message); the first line names the error and fits a status line.
        var newline = text.IndexOf('\n');
        return (newline < 0 ? text : text[..newline]).Trim();
    }

    private static IReadOnlyList<RowChange> Slice(IReadOnlyList<RowChange> changes, int from, int to)
    {
        var part = new RowChange[to - from];
        for (var i = from; i < to; i++) part[i - from] = changes[i];
        return part;
    }
}
