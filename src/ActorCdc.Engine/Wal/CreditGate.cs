using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Wal;

/// <summary>
/// Credit-based flow control between the replication pump and the table entities (DESIGN.md §5): the pump waits
/// here before sending a batch while the pipeline's or the table's in-flight bytes are spent, so it stops reading
/// the replication stream and TCP pushes back on the walsender. A batch larger than a budget passes alone.
/// Thread-safe: the pump waits on its own task, the WalReader releases from its actor thread. Owned by the pipeline's
/// <see cref="Pipelines.PipelineRuntime"/>, so its peak outlives a restart of the reader.
/// </summary>
public sealed class CreditGate(long pipelineBudget, long tableBudget)
{
    private readonly object _lock = new();
    private readonly Dictionary<TableId, long> _tables = new();
    private TaskCompletionSource _released = NewSignal();
    private long _inFlight;
    private long _waitTicks;

    private long _pipelineBudget = pipelineBudget;
    private long _tableBudget = tableBudget;

    public long PipelineBudget => Interlocked.Read(ref _pipelineBudget);
    public long TableBudget => Interlocked.Read(ref _tableBudget);

    /// <summary>New budgets (a profile switch); waiters re-check at once.</summary>
    public void SetBudgets(long pipelineBudget, long tableBudget)
    {
        if (pipelineBudget == PipelineBudget && tableBudget == TableBudget) return;
        Interlocked.Exchange(ref _pipelineBudget, pipelineBudget);
        Interlocked.Exchange(ref _tableBudget, tableBudget);
        TaskCompletionSource signal;
        lock (_lock)
        {
            signal = _released;
            _released = NewSignal();
        }
        signal.TrySetResult();
    }

    /// <summary>Where waits for credit are counted (<c>actorcdc.wal.backpressure</c>), if anywhere.</summary>
    public Metrics.PipelineMetrics? Metrics { get; init; }

    public long InFlightBytes { get { lock (_lock) return _inFlight; } }

    /// <summary>The most bytes ever in flight at once (since this gate was made: the pipeline started on this node).</summary>
    public long PeakInFlightBytes { get { lock (_lock) return _peak; } }

    private long _peak;

    /// <summary>Total time the pump spent waiting for credit.</summary>
    public TimeSpan BackpressureTime => TimeSpan.FromTicks(Interlocked.Read(ref _waitTicks));

    private bool _paused;

    /// <summary>While paused nothing is let through, whatever the budgets (a savepoint drains the pipeline).</summary>
    public bool Paused
    {
        get { lock (_lock) return _paused; }
        set
        {
            TaskCompletionSource signal;
            lock (_lock)
            {
                _paused = value;
                signal = _released;
                _released = NewSignal();
            }
            signal.TrySetResult();
        }
    }

    public async ValueTask AcquireAsync(TableId table, long bytes, CancellationToken ct)
    {
        long started = 0;
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                // A pump cancelled by a reconnect must not take credit after the reader's Reset: nothing would return it.
                ct.ThrowIfCancellationRequested();
                if (_paused)
                {
                    wait = _released.Task;
                    goto Wait;
                }
                _tables.TryGetValue(table, out var used);
                var pipelineOk = _inFlight == 0 || _inFlight + bytes <= PipelineBudget;
                var tableOk = used == 0 || used + bytes <= TableBudget;
                if (pipelineOk && tableOk)
                {
                    _inFlight += bytes;
                    _tables[table] = used + bytes;
                    if (_inFlight > _peak) _peak = _inFlight;
                    if (started != 0) Interlocked.Add(ref _waitTicks, DateTime.UtcNow.Ticks - started);
                    if (started != 0) Metrics?.BackpressureWaited(DateTime.UtcNow.Ticks - started);
                    return;
                }
                wait = _released.Task;
            }
            Wait:
            if (started == 0) started = DateTime.UtcNow.Ticks;
            await wait.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    public void Release(TableId table, long bytes)
    {
        if (bytes <= 0) return;
        TaskCompletionSource signal;
        lock (_lock)
        {
            _inFlight = Math.Max(0, _inFlight - bytes);
            if (_tables.TryGetValue(table, out var used)) _tables[table] = Math.Max(0, used - bytes);
            signal = _released;
            _released = NewSignal();
        }
        signal.TrySetResult();
    }

    /// <summary>
    /// Returns every credit (after a reconnect nothing is in flight any more). Cancel the old pump's token first: an
    /// acquire that sees it cancelled takes nothing.
    /// </summary>
    public void Reset(bool unpause = false)
    {
        TaskCompletionSource signal;
        lock (_lock)
        {
            if (unpause) _paused = false;
            _inFlight = 0;
            _tables.Clear();
            signal = _released;
            _released = NewSignal();
        }
        signal.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
