using ActorCdc.Core.Failures;

namespace ActorCdc.Source.Postgres.Streaming;

/// <summary>
/// All in-progress streamed transactions of one replication session, under one memory budget: when the buffered
/// total passes it, the largest transaction's in-memory tail is spilled to a file in the spill directory.
/// </summary>
internal sealed class StreamedTransactions : IDisposable
{
    private readonly Dictionary<uint, StreamedTransaction> _open = new();
    private readonly long _budget;
    private readonly string _spillDirectory;
    private readonly string _filePrefix;
    private long _memoryBytes;
    private long _peakMemoryBytes;
    private long _spilledBytes;
    private long _spillFiles;

    public StreamedTransactions(long budgetBytes, string spillDirectory, string slot)
    {
        _budget = budgetBytes;
        _spillDirectory = spillDirectory;
        _filePrefix = $"actorcdc-{slot}-{Environment.ProcessId}-";
    }

    /// <summary>Bytes of streamed changes held in memory now, over all transactions.</summary>
    public long MemoryBytes => Interlocked.Read(ref _memoryBytes);

    /// <summary>The most bytes ever held in memory at once.</summary>
    public long PeakMemoryBytes => Interlocked.Read(ref _peakMemoryBytes);

    /// <summary>Bytes moved to spill files so far.</summary>
    public long SpilledBytes => Interlocked.Read(ref _spilledBytes);

    /// <summary>Spill files created so far.</summary>
    public long SpillFiles => Interlocked.Read(ref _spillFiles);

    public StreamedTransaction Open(uint xid)
    {
        if (!_open.TryGetValue(xid, out var txn))
            _open.Add(xid, txn = new StreamedTransaction(xid, CreateSpill));
        return txn;
    }

    public void Add(StreamedTransaction txn, uint subXid, in StreamedItem item)
    {
        var bytes = item.EstimateBytes();
        txn.Add(subXid, item, bytes);
        var total = Interlocked.Add(ref _memoryBytes, bytes);
        if (total > Interlocked.Read(ref _peakMemoryBytes)) Interlocked.Exchange(ref _peakMemoryBytes, total);
        if (total > _budget) SpillLargest();
    }

    /// <summary>A stream abort: the whole transaction when <paramref name="subXid"/> is the transaction, else one subtransaction.</summary>
    public void Abort(uint xid, uint subXid)
    {
        if (!_open.TryGetValue(xid, out var txn)) return;
        if (subXid == xid || subXid == 0)
        {
            _open.Remove(xid);
            Interlocked.Add(ref _memoryBytes, -txn.MemoryBytes);
            txn.Dispose();
            return;
        }
        Interlocked.Add(ref _memoryBytes, -txn.RollBack(subXid));
    }

    /// <summary>Removes a committed transaction for replay; the caller disposes it (which deletes its spill file).</summary>
    public StreamedTransaction? Take(uint xid)
    {
        if (!_open.Remove(xid, out var txn)) return null;
        Interlocked.Add(ref _memoryBytes, -txn.MemoryBytes);
        return txn;
    }

    private void SpillLargest()
    {
        StreamedTransaction? largest = null;
        foreach (var txn in _open.Values)
            if (largest is null || txn.MemoryBytes > largest.MemoryBytes) largest = txn;
        if (largest is null) return;
        long freed;
        try
        {
            freed = largest.Spill();
        }
        catch (IOException e)
        {
            throw CdcException.Transient(
                $"spilling streamed transaction {largest.Xid} to source.spill-directory = \"{_spillDirectory}\" failed ({e.Message}); free space there or point source.spill-directory elsewhere; retrying.", e);
        }
        Interlocked.Add(ref _memoryBytes, -freed);
        Interlocked.Add(ref _spilledBytes, freed);
    }

    private SpillFile CreateSpill(uint xid)
    {
        try
        {
            Directory.CreateDirectory(_spillDirectory);
            var file = new SpillFile(Path.Combine(_spillDirectory, $"{_filePrefix}{xid}-{Guid.NewGuid():N}.spill"));
            Interlocked.Increment(ref _spillFiles);
            return file;
        }
        catch (UnauthorizedAccessException e)
        {
            throw CdcException.Fatal(
                $"source.spill-directory = \"{_spillDirectory}\" is not writable ({e.Message}); point it at a writable directory with room for the largest transaction.", e);
        }
    }

    public void Dispose()
    {
        foreach (var txn in _open.Values) txn.Dispose();
        _open.Clear();
        Interlocked.Exchange(ref _memoryBytes, 0);
    }
}
