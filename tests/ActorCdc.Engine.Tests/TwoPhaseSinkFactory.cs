using ActorCdc.Core.Changes;
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

/// <summary>A sink that stages writes and publishes them only at a checkpoint, recording each call.</summary>
public sealed class TwoPhaseSinkFactory : ISinkFactory
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Log { get; } = new();

    public Task ValidateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ITableSink CreateTableSink(TableId source, TableId target) => new Table(this);

    private sealed class Table(TwoPhaseSinkFactory owner) : ITableSink, ICheckpointParticipant
    {
        public Task<SourcePosition?> ReadAppliedPositionAsync(CancellationToken cancellationToken) => Task.FromResult<SourcePosition?>(null);

        public Task ApplyAsync(TableSchema schema, IReadOnlyList<RowChange> changes, SourcePosition upTo, CancellationToken cancellationToken)
        {
            owner.Log.Enqueue($"write {changes.Count}");
            return Task.CompletedTask;
        }

        public Task<byte[]> PrepareAsync(SourcePosition upTo, CancellationToken cancellationToken)
        {
            owner.Log.Enqueue($"prepare {upTo}");
            return Task.FromResult(System.Text.Encoding.UTF8.GetBytes(upTo.ToString()));
        }

        public Task CommitAsync(byte[] token, CancellationToken cancellationToken)
        {
            owner.Log.Enqueue($"commit {System.Text.Encoding.UTF8.GetString(token)}");
            return Task.CompletedTask;
        }

        public Task RecoverAsync(byte[]? token, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
