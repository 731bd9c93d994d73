using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Protocol;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorCdc.Engine.Tables;

/// <summary>
/// Job: the sharded owner of one captured table (entity id <c>pipeline/schema.table</c>): drops replays at or below
/// its persisted position, persists each new batch before acknowledging it, feeds its SinkWriter in order and reports
/// applied positions to the WalReader (DESIGN.md §3.2).
/// State: persisted and applied positions, batches persisted but not applied, the reader's session and next batch number.
/// Supervision: a shard entity (restarted by its shard on failure, recovering from its journal); parent of its SinkWriter.
/// </summary>
public sealed class TableEntity : ReceivePersistentActor, IWithStash
{
    private readonly string _pipeline;
    private readonly TableId _table;
    private readonly PipelineRuntime _runtime;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly LinkedList<(long SeqNr, ChangeBatch Batch)> _unapplied = new();
    private SourcePosition _persisted = SourcePosition.Start;
    private SourcePosition _applied = SourcePosition.Start;
    private long _session = -1;
    private long _nextSeq;
    private long _deletedUpTo;
    private IActorRef _reader = ActorRefs.Nobody;
    private IActorRef _writer = ActorRefs.Nobody;

    public TableEntity(string entityId, PipelineRegistry registry)
    {
        (_pipeline, _table) = TableEntityId.Parse(entityId);
        _runtime = registry.Get(_pipeline);
        PersistenceId = "table|" + entityId;

        Recover<TableBatchPersisted>(e =>
        {
            _unapplied.AddLast((LastSequenceNr, e.Batch));
            _persisted = SourcePosition.Max(_persisted, e.Batch.Last);
        });
        Recover<RecoveryCompleted>(_ =>
        {
            var settings = _runtime.Settings;
            var sink = _runtime.SinkFactory.CreateTableSink(_table, settings.Routes.Target(_table));
            _writer = Context.ActorOf(SinkWriter.Props(sink, settings.Sink, $"{_pipeline}/{_table}"), "sink-writer");
            _writer.Tell(new SinkWriter.ReadAppliedPosition());
        });

        // Until the sink has said what it holds, nothing can be told apart from a replay: stash.
        Command<SinkWriter.SinkPositionRead>(OnSinkPosition);
        CommandAny(_ => Stash.Stash());
    }

    public override string PersistenceId { get; }

    /// <summary>
    /// A crashed SinkWriter would lose its queue; failing the entity instead makes it recover from its journal and
    /// hand every unapplied batch to a fresh writer.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Escalate);

    public static Props Props(string entityId, PipelineRegistry registry) =>
        Akka.Actor.Props.Create(() => new TableEntity(entityId, registry));

    private void OnSinkPosition(SinkWriter.SinkPositionRead read)
    {
        if (read.Position is { } held && held > _applied) _applied = held;
        _persisted = SourcePosition.Max(_persisted, _applied);
        while (_unapplied.First is { } first && first.Value.Batch.Last <= _applied) _unapplied.RemoveFirst();
        foreach (var (_, batch) in _unapplied) _writer.Tell(batch);
        _log.Debug("{0}: sink holds {1}; {2} persisted batches to apply", _table, _applied, _unapplied.Count);

        Become(Ready);
        Stash.UnstashAll();
    }

    private void Ready()
    {
        Command<EntityChanges>(OnChanges);
        Command<SinkWriter.Applied>(OnApplied);
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(f => _log.Warning("{0}: deleting applied journal events failed: {1}", _table, f.Cause.Message));
    }

    private void OnChanges(EntityChanges m)
    {
        _reader = Sender;
        if (m.Session < _session) return; // a batch of a replication session that has since been replaced
        if (m.Session > _session)
        {
            if (m.Seq != 1)
            {
                Sender.Tell(new SequenceGap(_table, m.Session, 1, m.Seq));
                return;
            }
            _session = m.Session;
            _nextSeq = 1;
        }
        if (m.Seq != _nextSeq)
        {
            Sender.Tell(new SequenceGap(_table, m.Session, _nextSeq, m.Seq));
            return;
        }
        _nextSeq++;

        var batch = m.Batch;
        if (batch.Last <= _persisted)
        {
            Sender.Tell(new BatchPersisted(_table, m.Session, m.Seq, _applied));
            return;
        }
        if (batch.First <= _persisted) batch = Above(batch, _persisted);

        var reader = Sender;
        var session = m.Session;
        var seq = m.Seq;
        Persist(new TableBatchPersisted(batch), e =>
        {
            _persisted = e.Batch.Last;
            _unapplied.AddLast((LastSequenceNr, e.Batch));
            _writer.Tell(e.Batch);
            reader.Tell(new BatchPersisted(_table, session, seq, _applied));
        });
    }

    private void OnApplied(SinkWriter.Applied a)
    {
        if (a.Position <= _applied) return;
        _applied = a.Position;
        long lastSeqNr = -1;
        while (_unapplied.First is { } first && first.Value.Batch.Last <= _applied)
        {
            lastSeqNr = first.Value.SeqNr;
            _unapplied.RemoveFirst();
        }
        _reader.Tell(new BatchDurable(_table, _applied));
        // Applied events are not needed to recover; delete them in steps to keep the journal small.
        if (lastSeqNr > 0 && (lastSeqNr - _deletedUpTo >= 64 || _unapplied.Count == 0))
        {
            DeleteMessages(lastSeqNr);
            _deletedUpTo = lastSeqNr;
        }
    }

    private static ChangeBatch Above(ChangeBatch batch, SourcePosition floor)
    {
        var kept = new List<RowChange>(batch.Changes.Count);
        var bytes = 0;
        foreach (var c in batch.Changes)
        {
            if (c.Position <= floor) continue;
            kept.Add(c);
            bytes += c.ApproximateBytes;
        }
        return new ChangeBatch(batch.Schema, kept, bytes);
    }
}
