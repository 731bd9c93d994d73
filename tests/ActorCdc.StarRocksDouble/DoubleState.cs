using System.Collections.Concurrent;
using ActorCdc.StarRocksDouble.Catalog;
using ActorCdc.StarRocksDouble.Loads;

namespace ActorCdc.StarRocksDouble;

/// <summary>Everything the double's listeners share; label and table changes hold the catalog's gate.</summary>
internal sealed class DoubleState(StarRocksDoubleOptions options)
{
    private readonly Dictionary<(string Database, string Label), LoadTransaction> _labels = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<string> _statements = [];
    private readonly List<string> _errors = [];
    private long _txnId = 1000;

    public StarRocksDoubleOptions Options { get; } = options;
    public DoubleCatalog Catalog { get; } = new();
    public DoubleFaults Faults { get; } = new();
    public ConcurrentDictionary<string, string> ErrorLogs { get; } = new();
    public int FePort { get; set; }
    public int BePort { get; set; }

    public long NextTxnId() => Interlocked.Increment(ref _txnId);

    /// <summary>The label's current transaction; a PREPARE one past its timeout is aborted on the way. Hold the gate.</summary>
    public LoadTransaction? Find(string database, string label)
    {
        if (!_labels.TryGetValue((database, label), out var txn)) return null;
        if (txn.State == TxnState.Prepare && DateTime.UtcNow > txn.Deadline) txn.State = TxnState.Aborted;
        return txn;
    }

    public void Register(LoadTransaction txn) => _labels[(txn.Database, txn.Label)] = txn;

    public int RunningExplicit(string database) =>
        _labels.Values.Count(t => t.IsExplicit && t.Database == database && t.State is TxnState.Prepare or TxnState.Prepared);

    /// <summary>Applies a transaction's rows to its table in order and makes it VISIBLE. Hold the gate.</summary>
    public void Publish(LoadTransaction txn)
    {
        var table = Catalog.Table(txn.Database, txn.Table)
                    ?? throw new InvalidOperationException($"table {txn.Database}.{txn.Table} vanished before transaction {txn.Label} published");
        foreach (var row in txn.Rows)
        {
            var values = row.Values;
            var listed = row.PartialColumns;
            if (!ReferenceEquals(row.Shape, table.Shape))
            {
                // The table changed (ALTER) between parsing and publishing: move the values by column name.
                values = table.Reorder(row.Shape, row.Values, out var moved);
                listed = listed?.Select(i => moved[i]).Where(i => i >= 0).ToArray();
            }
            if (row.Delete) table.Delete(values);
            else if (listed is not null) table.PartialUpdate(values, listed);
            else table.Upsert(values);
        }
        txn.Rows.Clear();
        txn.State = TxnState.Visible;
    }

    public string AddErrorLog(IEnumerable<string> lines)
    {
        var file = $"error_log_{Guid.NewGuid():N}";
        ErrorLogs[file] = string.Join("\n", lines) + "\n";
        return $"http://127.0.0.1:{BePort}/api/_load_error_log?file={file}";
    }

    public void Record(RecordedRequest request)
    {
        lock (_requests) _requests.Add(request);
    }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (_requests) return _requests.ToList(); }
    }

    public void RecordStatement(string sql)
    {
        lock (_statements) _statements.Add(sql);
    }

    public IReadOnlyList<string> Statements
    {
        get { lock (_statements) return _statements.ToList(); }
    }

    public void RecordError(string error)
    {
        lock (_errors) _errors.Add(error);
    }

    public IReadOnlyList<string> Errors
    {
        get { lock (_errors) return _errors.ToList(); }
    }

    public IEnumerable<LoadTransaction> Transactions => _labels.Values;
}
