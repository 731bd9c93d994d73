using System.Collections.Concurrent;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;

namespace ActorCdc.Engine.Tests;

/// <summary>A sink for engine tests: records every applied change, can hold a position and fail on demand.</summary>
public sealed class RecordingSinkFactory : ISinkFactory
{
    public ConcurrentQueue<RowChange> Applied { get; } = new();
    public SourcePosition? Held { get; set; } = SourcePosition.Start;
    public volatile bool Failing;
    /// <summary>Reading the applied position fails as well (a sink that is down when its entity starts).</summary>
    public volatile bool FailingReads;
    public int Attempts;

    public Task ValidateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ITableSink CreateTableSink(TableId source, TableId target) => new Table(this);

    private sealed class Table(RecordingSinkFactory owner) : ITableSink
    {
        public Task<SourcePosition?> ReadAppliedPositionAsync(CancellationToken cancellationToken) =>
            owner.FailingReads ? Task.FromException<SourcePosition?>(CdcException.Transient("sink unavailable (test)")) : Task.FromResult(owner.Held);

        public Task ApplyAsync(TableSchema schema, IReadOnlyList<RowChange> changes, SourcePosition upTo, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref owner.Attempts);
            if (owner.Failing) throw CdcException.Transient("sink unavailable (test)");
            foreach (var c in changes) owner.Applied.Enqueue(c);
            if (owner.Held is not null) owner.Held = upTo;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
