using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Source.Postgres.Decoding;

/// <summary>
/// Turns the changes of one transaction into positioned <see cref="RowChange"/>s and groups consecutive changes of
/// one table (one schema version) into batches of at most MaxBatchRows. Events go to <see cref="Output"/>, which
/// the reader drains after every step, so at most one batch is held.
/// </summary>
internal sealed class TransactionAssembler
{
    private readonly int _maxBatchRows;
    private Lsn _commitLsn;
    private long _index;
    private TableSchema? _schema;
    private List<RowChange>? _rows;
    private int _bytes;

    public TransactionAssembler(int maxBatchRows) => _maxBatchRows = maxBatchRows;

    public Queue<SourceEvent> Output { get; } = new();

    public bool InTransaction { get; private set; }

    public void Begin(Lsn commitLsn, uint xid, DateTime commitTimeUtc)
    {
        if (InTransaction)
            throw new InvalidOperationException($"pgoutput began transaction {xid} at {commitLsn} inside transaction at {_commitLsn}; the stream is corrupt.");
        InTransaction = true;
        _commitLsn = commitLsn;
        _index = 0;
        Output.Enqueue(new TransactionBegun(commitLsn, xid, commitTimeUtc));
    }

    public void Add(TableSchema schema, ChangeKind kind, ColumnValue[]? @new, ColumnValue[]? old)
    {
        if (!InTransaction)
            throw new InvalidOperationException($"pgoutput sent a {kind} of {schema.Table} outside a transaction; the stream is corrupt.");
        // A batch carries one schema version: a new Relation message mid-transaction starts a new batch.
        if (!ReferenceEquals(schema, _schema)) Flush();
        var change = new RowChange(kind, new SourcePosition(_commitLsn, _index++), @new, old);
        _schema = schema;
        (_rows ??= new List<RowChange>(Math.Min(_maxBatchRows, 256))).Add(change);
        _bytes += change.ApproximateBytes;
        if (_rows.Count >= _maxBatchRows) Flush();
    }

    /// <summary>Emits a message in stream order: the pending batch goes first.</summary>
    public void Add(LogicalMessage message)
    {
        Flush();
        Output.Enqueue(message);
    }

    public void Commit(Lsn commitLsn, Lsn endLsn, DateTime commitTimeUtc)
    {
        Flush();
        InTransaction = false;
        Output.Enqueue(new TransactionCommitted(commitLsn, endLsn, commitTimeUtc));
    }

    private void Flush()
    {
        if (_rows is null || _rows.Count == 0) return;
        Output.Enqueue(new TableChanges(new ChangeBatch(_schema!, _rows, _bytes)));
        _rows = null;
        _schema = null;
        _bytes = 0;
    }
}
