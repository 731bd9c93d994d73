using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using ActorCdc.Engine.Tables;
using Akka.Actor;
using Akka.Configuration;
using Xunit;

namespace ActorCdc.Engine.Tests;

/// <summary>A sink that names each write by its first and last position, as StarRocks labels do.</summary>
public sealed class LabelledSinkFactory : ISinkFactory
{
    public volatile bool Failing;
    public System.Collections.Concurrent.ConcurrentQueue<string> Attempts { get; } = new();
    public System.Collections.Concurrent.ConcurrentQueue<string> Applied { get; } = new();

    public Task ValidateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ITableSink CreateTableSink(TableId source, TableId target) => new Table(this);

    private sealed class Table(LabelledSinkFactory owner) : ITableSink, IRequiresStableBatches
    {
        public Task<SourcePosition?> ReadAppliedPositionAsync(CancellationToken cancellationToken) => Task.FromResult<SourcePosition?>(null);

        public Task ApplyAsync(TableSchema schema, IReadOnlyList<RowChange> changes, SourcePosition upTo, CancellationToken cancellationToken)
        {
            var label = $"{changes[0].Position}..{upTo}";
            if (owner.Failing)
            {
                owner.Attempts.Enqueue(label);
                throw CdcException.Transient("sink down (test)");
            }
            owner.Applied.Enqueue(label);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
