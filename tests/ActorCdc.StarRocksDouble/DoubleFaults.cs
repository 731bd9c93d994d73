namespace ActorCdc.StarRocksDouble;

/// <summary>
/// Faults the double injects into the next matching requests, each a given number of times. FE faults apply to
/// <c>_stream_load</c> and transaction requests; BE faults to stream loads (and, where said, transaction operations).
/// </summary>
public sealed class DoubleFaults
{
    private readonly object _lock = new();
    private readonly List<Pending> _pending = [];

    /// <summary>How many <c>SHOW ALTER TABLE COLUMN</c> polls see a new alter job RUNNING before it finishes (0: finishes at once).</summary>
    public int AlterJobPolls { get; set; }

    /// <summary>When set, the next alter job ends CANCELLED with this message instead of applying.</summary>
    public string? CancelNextAlterJob { get; set; }

    /// <summary>FE answers 401 (with <c>WWW-Authenticate: Basic realm=""</c>) whatever the credentials.</summary>
    public void Unauthorized(int times = 1) => Add(DoubleFaultKind.Unauthorized, times);

    /// <summary>FE answers as if <c>Expect: 100-continue</c> were missing (a proxy stripped it): FAILED "There is no 100-continue header".</summary>
    public void ActAsIfNoContinueHeader(int times = 1) => Add(DoubleFaultKind.NoContinueHeader, times);

    /// <summary>FE answers 307 to itself instead of to the BE (a redirect loop).</summary>
    public void RedirectLoop(int times = 1) => Add(DoubleFaultKind.RedirectLoop, times);

    /// <summary>FE answers this HTTP status with an empty body.</summary>
    public void ServerError(int status = 500, int times = 1) => Add(DoubleFaultKind.ServerError, times, status: status);

    /// <summary>BE applies the load but answers <c>Publish Timeout</c> (committed, visible later).</summary>
    public void PublishTimeout(int times = 1) => Add(DoubleFaultKind.PublishTimeout, times);

    /// <summary>BE answers <c>Fail</c> with <paramref name="message"/> without applying; the label ends ABORTED (reusable).</summary>
    public void FailBeforeApply(string message = "failed to call frontend service", int times = 1) => Add(DoubleFaultKind.FailBeforeApply, times, message);

    /// <summary>BE applies the load (label VISIBLE) but answers <c>Fail</c>: the state was unknown to the client, as in FC#64.</summary>
    public void FailAfterApply(string message = "failed to call frontend service", int times = 1) => Add(DoubleFaultKind.FailAfterApply, times, message);

    /// <summary>
    /// The next stream load finds its label held by an earlier, still running request: the double keeps the rows in a
    /// PREPARE transaction, answers <c>Label Already Exists</c> + <c>RUNNING</c>, and after <paramref name="pollsUntilDone"/>
    /// <c>get_load_state</c> calls makes that transaction VISIBLE (rows applied) or, with <paramref name="thenAborted"/>, ABORTED.
    /// </summary>
    public void LabelAlreadyExistsRunning(int pollsUntilDone = 2, bool thenAborted = false) =>
        Add(DoubleFaultKind.LabelAlreadyExistsRunning, 1, polls: pollsUntilDone, thenAborted: thenAborted);

    /// <summary>The next stream load's rows are applied under its label by an "earlier request", and it is answered <c>Label Already Exists</c> + <c>FINISHED</c>.</summary>
    public void LabelAlreadyExistsFinished(int times = 1) => Add(DoubleFaultKind.LabelAlreadyExistsFinished, times);

    /// <summary>BE refuses stream loads and transaction begins with "current running txns on db N is 100, larger than limit 100".</summary>
    public void RunningTransactionLimit(int times = 1) => Add(DoubleFaultKind.RunningTransactionLimit, times);

    /// <summary>BE answers transaction loads with <c>TXN_IN_PROCESSING</c>, as when another request holds the label's lock.</summary>
    public void TransactionInProcessing(int times = 1) => Add(DoubleFaultKind.TransactionInProcessing, times);

    /// <summary>BE waits <paramref name="delay"/> after reading a stream load's body before doing anything else; the label is RUNNING meanwhile.</summary>
    public void SlowResponse(TimeSpan delay, int times = 1) => Add(DoubleFaultKind.SlowResponse, times, delay: delay);

    /// <summary>Forgets every pending fault.</summary>
    public void Clear()
    {
        lock (_lock) _pending.Clear();
    }

    /// <summary>Faults still waiting for a request.</summary>
    public int PendingCount
    {
        get { lock (_lock) return _pending.Sum(p => p.Remaining); }
    }

    internal Fault? Take(DoubleFaultKind kind)
    {
        lock (_lock)
        {
            var p = _pending.Find(x => x.Kind == kind && x.Remaining > 0);
            if (p is null) return null;
            p.Remaining--;
            if (p.Remaining == 0) _pending.Remove(p);
            return p.Fault;
        }
    }

    internal bool Has(DoubleFaultKind kind)
    {
        lock (_lock) return _pending.Exists(x => x.Kind == kind && x.Remaining > 0);
    }

    private void Add(DoubleFaultKind kind, int times, string? message = null, int status = 0, TimeSpan delay = default, int polls = 0, bool thenAborted = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(times, 1);
        lock (_lock) _pending.Add(new Pending(kind, times, new Fault(kind, message, status, delay, polls, thenAborted)));
    }

    internal sealed record Fault(DoubleFaultKind Kind, string? Message, int Status, TimeSpan Delay, int Polls, bool ThenAborted);

    private sealed class Pending(DoubleFaultKind kind, int remaining, Fault fault)
    {
        public DoubleFaultKind Kind { get; } = kind;
        public int Remaining { get; set; } = remaining;
        public Fault Fault { get; } = fault;
    }
}
