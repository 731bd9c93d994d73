using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Source.Postgres.Catalog;
using ActorCdc.Source.Postgres.Streaming;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;

namespace ActorCdc.Source.Postgres.Decoding;

/// <summary>
/// Decodes pgoutput protocol v2 messages into <see cref="SourceEvent"/>s. Ordinary transactions are emitted as they
/// arrive (their commit LSN is known from Begin); streamed in-progress transactions are buffered per xid, spilling
/// beyond the memory budget, and replayed on Stream Commit with positions from its commit LSN.
/// </summary>
internal sealed class PgOutputDecoder : IDisposable
{
    private readonly TypeCatalog _catalog;
    private readonly TransactionAssembler _assembler;
    private readonly StreamedTransactions _streams;
    private readonly Dictionary<uint, RelationEntry> _relations = new();
    private StreamedTransaction? _stream;
    private long _streamChunks;

    public PgOutputDecoder(TypeCatalog catalog, PostgresSourceSettings settings)
    {
        _catalog = catalog;
        _assembler = new TransactionAssembler(settings.MaxBatchRows);
        _streams = new StreamedTransactions(settings.StreamingMemoryBudgetBytes, settings.SpillDirectory, settings.Slot);
    }

    /// <summary>Events decoded so far; drained by the reader after every message.</summary>
    public Queue<SourceEvent> Output => _assembler.Output;

    public StreamedTransactions Streams => _streams;

    /// <summary>Stream Start messages seen: how many chunks large transactions arrived in.</summary>
    public long StreamChunks => Interlocked.Read(ref _streamChunks);

    public async ValueTask HandleAsync(PgOutputReplicationMessage message, CancellationToken ct)
    {
        switch (message)
        {
            case InsertMessage m:
                {
                    var relation = Relation(m.Relation.RelationId);
                    var row = await TupleReader.ReadAsync(m.NewRow, null, ct);
                    Add(relation, ChangeKind.Insert, row, null, m.TransactionXid);
                    break;
                }
            case DefaultUpdateMessage m:
                {
                    var relation = Relation(m.Relation.RelationId);
                    var row = await TupleReader.ReadAsync(m.NewRow, null, ct);
                    Add(relation, ChangeKind.Update, row, null, m.TransactionXid);
                    break;
                }
            case IndexUpdateMessage m:
                {
                    // The key changed: the old key comes first on the wire, then the new row.
                    var relation = Relation(m.Relation.RelationId);
                    var key = await TupleReader.ReadAsync(m.Key, relation.WireKey, ct);
                    var row = await TupleReader.ReadAsync(m.NewRow, null, ct);
                    Add(relation, ChangeKind.Update, row, key, m.TransactionXid);
                    break;
                }
            case FullUpdateMessage m:
                {
                    var relation = Relation(m.Relation.RelationId);
                    var old = await TupleReader.ReadAsync(m.OldRow, null, ct);
                    var row = await TupleReader.ReadAsync(m.NewRow, null, ct);
                    Add(relation, ChangeKind.Update, row, old, m.TransactionXid);
                    break;
                }
            case KeyDeleteMessage m:
                {
                    var relation = Relation(m.Relation.RelationId);
                    var key = await TupleReader.ReadAsync(m.Key, relation.WireKey, ct);
                    Add(relation, ChangeKind.Delete, null, key, m.TransactionXid);
                    break;
                }
            case FullDeleteMessage m:
                {
                    var relation = Relation(m.Relation.RelationId);
                    var old = await TupleReader.ReadAsync(m.OldRow, null, ct);
                    Add(relation, ChangeKind.Delete, null, old, m.TransactionXid);
                    break;
                }
            case BeginMessage m:
                _assembler.Begin(ToLsn(m.TransactionFinalLsn), m.TransactionXid, m.TransactionCommitTimestamp);
                break;
            case CommitMessage m:
                _assembler.Commit(ToLsn(m.CommitLsn), ToLsn(m.TransactionEndLsn), m.TransactionCommitTimestamp);
                break;
            case RelationMessage m:
                await OnRelationAsync(m, ct);
                break;
            case TruncateMessage m:
                // One change per truncated table, each with its own position.
                foreach (var r in m.Relations)
                    Add(Relation(r.RelationId), ChangeKind.Truncate, null, null, m.TransactionXid);
                break;
            case LogicalDecodingMessage m:
                await OnMessageAsync(m, ct);
                break;
            case TypeMessage m:
                _catalog.Forget(m.TypeId);
                break;
            case StreamStartMessage m:
                Interlocked.Increment(ref _streamChunks);
                _stream = _streams.Open(m.TransactionXid);
                break;
            case StreamStopMessage:
                _stream = null;
                break;
            case StreamAbortMessage m:
                _streams.Abort(m.TransactionXid, m.SubtransactionXid);
                break;
            case StreamCommitMessage:
                throw new InvalidOperationException("Stream Commit is replayed through CommitStream so that a large transaction is emitted lazily.");
            default:
                // Origin messages (and anything newer protocol versions add) carry nothing a CDC consumer needs.
                break;
        }
    }

    /// <summary>
    /// Replays a committed streamed transaction as Begin, batches, Commit. Lazy: a transaction spilled to disk is read
    /// back one item at a time as the caller pulls events.
    /// </summary>
    public IEnumerable<SourceEvent> CommitStream(StreamCommitMessage commit)
    {
        var commitLsn = ToLsn(commit.CommitLsn);
        var endLsn = ToLsn(commit.TransactionEndLsn);
        var time = commit.TransactionCommitTimestamp;
        var txn = _streams.Take(commit.TransactionXid);
        return Replay(txn, commit.TransactionXid, commitLsn, endLsn, time);
    }

    private IEnumerable<SourceEvent> Replay(StreamedTransaction? txn, uint xid, Lsn commitLsn, Lsn endLsn, DateTime time)
    {
        var output = _assembler.Output;
        _assembler.Begin(commitLsn, xid, time);
        try
        {
            if (txn is not null)
            {
                foreach (var item in txn.Replay())
                {
                    if (item.Message is { } message) _assembler.Add(message);
                    else _assembler.Add(item.Schema!, item.Kind, item.New, item.Old);
                    while (output.TryDequeue(out var e)) yield return e;
                }
                // Its relation versions now hold for every later transaction, as in PostgreSQL's apply worker.
                foreach (var (id, entry) in txn.Relations) _relations[id] = entry;
                // Delete the spill file before the commit goes out: the consumer may not pull past it for a while.
                txn.Dispose();
            }
            _assembler.Commit(commitLsn, endLsn, time);
            while (output.TryDequeue(out var e)) yield return e;
        }
        finally
        {
            txn?.Dispose();
        }
    }

    private void Add(RelationEntry relation, ChangeKind kind, ColumnValue[]? @new, ColumnValue[]? old, uint? xid)
    {
        if (_stream is { } stream)
            _streams.Add(stream, xid ?? stream.Xid, new StreamedItem(relation.Schema, kind, @new, old));
        else
            _assembler.Add(relation.Schema, kind, @new, old);
    }

    private async ValueTask OnMessageAsync(LogicalDecodingMessage m, CancellationToken ct)
    {
        var content = new byte[m.Data.Length];
        await m.Data.ReadExactlyAsync(content, ct);
        var transactional = (m.Flags & 1) != 0;
        var message = new LogicalMessage(ToLsn(m.MessageLsn), transactional, m.Prefix, content);
        if (transactional && _stream is { } stream)
            _streams.Add(stream, m.TransactionXid ?? stream.Xid, new StreamedItem(message));
        else if (transactional && _assembler.InTransaction)
            _assembler.Add(message);
        else
            _assembler.Output.Enqueue(message);
    }

    private async ValueTask OnRelationAsync(RelationMessage m, CancellationToken ct)
    {
        var count = m.Columns.Count;
        var types = new (uint, int)[count];
        var wireKey = new bool[count];
        for (var i = 0; i < count; i++)
        {
            var c = m.Columns[i];
            types[i] = (c.DataTypeId, c.TypeModifier);
            wireKey[i] = (c.Flags & RelationMessage.Column.ColumnFlags.PartOfKey) != 0;
        }
        var identity = m.ReplicaIdentity switch
        {
            RelationMessage.ReplicaIdentitySetting.AllColumns => ReplicaIdentity.Full,
            RelationMessage.ReplicaIdentitySetting.IndexWithIndIsReplIdent => ReplicaIdentity.Index,
            RelationMessage.ReplicaIdentitySetting.Nothing => ReplicaIdentity.Nothing,
            _ => ReplicaIdentity.Default,
        };
        // Copy what the message holds before awaiting anything: the next message reuses its object.
        var table = new TableId(m.Namespace, m.RelationName);
        var names = new string[count];
        for (var i = 0; i < count; i++) names[i] = m.Columns[i].ColumnName;
        var relationId = m.RelationId;

        var described = await _catalog.DescribeAsync(types, ct);
        // With REPLICA IDENTITY FULL pgoutput flags every column as key; the table's real key is its primary key.
        var primaryKey = identity == ReplicaIdentity.Full ? await _catalog.PrimaryKeyAsync(relationId, ct) : null;
        var columns = new ColumnSchema[count];
        for (var i = 0; i < count; i++)
        {
            var isKey = primaryKey is null ? wireKey[i] : primaryKey.Contains(names[i]);
            columns[i] = new ColumnSchema(names[i], types[i].Item1, types[i].Item2, described[i].Name, described[i].Kind, isKey)
            {
                ElementTypeKind = described[i].ElementKind,
            };
        }
        var schema = new TableSchema(table, relationId, columns, identity);
        var target = _stream?.Relations ?? _relations;
        // pgoutput resends unchanged relations (new session, cache invalidation): keep one schema object per
        // version so consecutive changes stay in one batch and consumers see no spurious schema change.
        if (Lookup(relationId) is { } previous && previous.Schema.SameShapeAs(schema)) schema = previous.Schema;
        target[relationId] = new RelationEntry(schema, wireKey);
    }

    private RelationEntry Relation(uint relationId) =>
        Lookup(relationId) ?? throw new InvalidOperationException(
            $"pgoutput sent a change of relation {relationId} before describing it; the stream is corrupt.");

    private RelationEntry? Lookup(uint relationId)
    {
        if (_stream is not null && _stream.Relations.TryGetValue(relationId, out var own)) return own;
        return _relations.TryGetValue(relationId, out var entry) ? entry : null;
    }

    private static Lsn ToLsn(NpgsqlTypes.NpgsqlLogSequenceNumber lsn) => new((ulong)lsn);

    public void Dispose() => _streams.Dispose();
}
