using System.Collections.Concurrent;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;

namespace ActorCdc.Engine.Tests;

/// <summary>
/// A sink for data-error tests: refuses, as a data error, every write holding a row whose id is in <see cref="Rejected"/>
/// (nothing of that write is applied, as in a transaction); records the rows it applied and, per write label
/// (first..last position), every row list it was ever asked to write.
/// </summary>
public sealed class RejectingSinkFactory(bool labelsWrites = false) : ISinkFactory
{
    public ConcurrentDictionary<string, bool> Rejected { get; } = new();
    public ConcurrentQueue<RowChange> Applied { get; } = new();
    public ConcurrentDictionary<string, ConcurrentBag<string>> RowsByLabel { get; } = new();
    public int Writes;

    public Task ValidateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ITableSink CreateTableSink(TableId source, TableId target) => labelsWrites ? new LabelledTable(this) : new Table(this);

    private class Table(RejectingSinkFactory owner) : ITableSink
    {
        public Task<SourcePosition?> ReadAppliedPositionAsync(CancellationToken cancellationToken) => Task.FromResult<SourcePosition?>(null);

        public Task ApplyAsync(TableSchema schema, IReadOnlyList<RowChange> changes, SourcePosition upTo, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref owner.Writes);
            var rows = string.Join(",", changes.Select(c => c.New![0].Text));
            owner.RowsByLabel.GetOrAdd($"{changes[0].Position}..{upTo}", _ => new ConcurrentBag<string>()).Add(rows);
            foreach (var c in changes)
                if (owner.Rejected.ContainsKey(c.New![0].Text!))
                    throw CdcException.DataError("the test sink rejected a row; fix the row or choose another policy",
                        new InvalidOperationException($"23514: id {c.New![0].Text} violates check constraint \"test\""));
            foreach (var c in changes) owner.Applied.Enqueue(c);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class LabelledTable(RejectingSinkFactory owner) : Table(owner), IRequiresStableBatches;
}
