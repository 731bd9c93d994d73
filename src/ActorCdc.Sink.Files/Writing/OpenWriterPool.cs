namespace ActorCdc.Sink.Files.Writing;

/// <summary>
/// Bounds the files open at once over every table and partition of one sink (Flink's lesson about file sinks: bounded
/// open buckets). A new file is admitted only when fewer than the limit are open; otherwise the least recently used idle
/// file is closed first — into a finished local file that still waits for its checkpoint — so memory stays flat however
/// many tables or partitions are written.
/// </summary>
/// <remarks>
/// An owner holds at most one writer's <see cref="PartWriter.Gate"/> while it waits here (the new, not yet admitted one),
/// and eviction only takes gates that are free at once, so owners never wait on each other in a cycle.
/// </remarks>
internal sealed class OpenWriterPool(int limit)
{
    private readonly object _gate = new();
    private readonly LinkedList<PartWriter> _lru = new();
    private TaskCompletionSource? _idle;
    private int _peak;
    private long _evictions;

    public int Limit { get; } = limit;

    /// <summary>Files open now.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _lru.Count;
        }
    }

    /// <summary>Most files ever open at once.</summary>
    public int Peak
    {
        get
        {
            lock (_gate) return _peak;
        }
    }

    /// <summary>Files closed to make room for another.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>
    /// Registers <paramref name="writer"/> (its gate held by the caller) as open, closing least recently used idle writers
    /// first while the pool is full; waits when every open writer is busy.
    /// </summary>
    public async Task AdmitAsync(PartWriter writer, CancellationToken cancellationToken)
    {
        while (true)
        {
            PartWriter? victim = null;
            Task? idle = null;
            lock (_gate)
            {
                if (_lru.Count < Limit)
                {
                    writer.PoolNode = _lru.AddLast(writer);
                    if (_lru.Count > _peak) _peak = _lru.Count;
                    return;
                }
                for (var node = _lru.First; node is not null; node = node.Next)
                {
                    if (!node.Value.Gate.Wait(0)) continue;
                    victim = node.Value;
                    _lru.Remove(node);
                    victim.PoolNode = null;
                    break;
                }
                if (victim is null)
                {
                    _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    idle = _idle.Task;
                }
            }
            if (victim is not null)
            {
                Interlocked.Increment(ref _evictions);
                try
                {
                    await victim.Owner.CloseEvictedAsync(victim).ConfigureAwait(false);
                }
                finally
                {
                    victim.Gate.Release();
                }
                continue;
            }
            await idle!.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Marks <paramref name="writer"/> as just used, so it is evicted last.</summary>
    public void Touch(PartWriter writer)
    {
        lock (_gate)
        {
            if (writer.PoolNode is not { } node || node.List is null) return;
            _lru.Remove(node);
            _lru.AddLast(node);
        }
    }

    /// <summary>Forgets a writer its owner closed (rolled, checkpointed, abandoned).</summary>
    public void Remove(PartWriter writer)
    {
        lock (_gate)
        {
            if (writer.PoolNode is { } node && node.List is not null) _lru.Remove(node);
            writer.PoolNode = null;
        }
        Signal();
    }

    /// <summary>Releases the gate of a writer its owner is done with for now, waking admissions waiting for an idle writer.</summary>
    public void Release(PartWriter writer)
    {
        writer.Gate.Release();
        Signal();
    }

    private void Signal()
    {
        TaskCompletionSource? idle;
        lock (_gate)
        {
            idle = _idle;
            _idle = null;
        }
        idle?.TrySetResult();
    }
}
