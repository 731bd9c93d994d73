namespace ActorCdc.StarRocksDouble.Loads;

/// <summary>
/// A label's transaction in the double: a stream load (begun and finished in one request) or an explicit one of the
/// Transaction Stream Load API (begin, loads, prepare, commit). Rows wait here until the transaction becomes visible.
/// </summary>
internal sealed class LoadTransaction(long txnId, string label, string database, string table, bool isExplicit, DateTime deadline)
{
    public long TxnId { get; } = txnId;
    public string Label { get; } = label;
    public string Database { get; } = database;
    public string Table { get; } = table;
    public bool IsExplicit { get; } = isExplicit;
    public DateTime Deadline { get; } = deadline;
    public TxnState State { get; set; } = TxnState.Prepare;
    public List<ParsedRow> Rows { get; } = [];
    public long TotalRows { get; set; }
    public long FilteredRows { get; set; }
    public long LoadBytes { get; set; }
    public List<string> ErrorLines { get; } = [];

    /// <summary>The load parameters of the first load of an explicit transaction; later loads must match.</summary>
    public string? Signature { get; set; }

    /// <summary>A load is being processed on the label (its lock is held).</summary>
    public bool Busy { get; set; }

    /// <summary>For an injected RUNNING label: how many get_load_state polls until it resolves.</summary>
    public int PollsUntilResolved { get; set; } = -1;
    public bool ResolveToAborted { get; set; }

    /// <summary>ExistingJobStatus of a duplicate label: RUNNING while unfinished, FINISHED once committed.</summary>
    public string ExistingJobStatus => State is TxnState.Committed or TxnState.Visible ? "FINISHED" : "RUNNING";

    public string StateName => State.ToString().ToUpperInvariant();
}
