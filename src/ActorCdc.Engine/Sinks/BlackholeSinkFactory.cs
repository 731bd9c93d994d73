using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;

namespace ActorCdc.Engine.Sinks;

/// <summary>A sink that counts what it receives and keeps nothing: the benchmark's way to measure the pipeline alone.</summary>
public sealed class BlackholeSinkFactory : ISinkFactory
{
    private long _rows;

    /// <summary>Rows received over every table.</summary>
    public long Rows => Interlocked.Read(ref _rows);

    public Task ValidateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ITableSink CreateTableSink(TableId source, TableId target) => new Table(this);

    private sealed class Table(BlackholeSinkFactory owner) : ITableSink
    {
        public Task<SourcePosition?> ReadAppliedPositionAsync(CancellationToken cancellationToken) => Task.FromResult<SourcePosition?>(null);

        public Task ApplyAsync(TableSchema schema, IReadOnlyList<RowChange> changes, SourcePosition upTo, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref owner._rows, changes.Count);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
