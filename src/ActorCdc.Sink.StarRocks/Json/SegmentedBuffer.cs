using System.Buffers;

namespace ActorCdc.Sink.StarRocks.Json;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over segments rented from <see cref="ArrayPool{T}.Shared"/>: a load body of
/// tens of MiB grows without copying and without large-object-heap garbage, and is reused from load to load.
/// </summary>
internal sealed class SegmentedBuffer : IBufferWriter<byte>, IDisposable
{
    private const int SegmentSize = 1 << 20;
    private readonly List<byte[]> _segments = [];
    private readonly List<int> _used = [];

    /// <summary>Bytes written so far.</summary>
    public long Length { get; private set; }

    public void Advance(int count)
    {
        if (count == 0) return;
        var last = _segments.Count - 1;
        _used[last] += count;
        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureRoom(sizeHint);
        var last = _segments.Count - 1;
        return _segments[last].AsMemory(_used[last]);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureRoom(sizeHint);
        var last = _segments.Count - 1;
        return _segments[last].AsSpan(_used[last]);
    }

    /// <summary>The written bytes, segment by segment.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Segments()
    {
        for (var i = 0; i < _segments.Count; i++)
            if (_used[i] > 0) yield return _segments[i].AsMemory(0, _used[i]);
    }

    public async Task CopyToAsync(Stream stream, CancellationToken cancellationToken)
    {
        for (var i = 0; i < _segments.Count; i++)
            if (_used[i] > 0) await stream.WriteAsync(_segments[i].AsMemory(0, _used[i]), cancellationToken).ConfigureAwait(false);
    }

    public byte[] ToArray()
    {
        var result = new byte[Length];
        var at = 0;
        for (var i = 0; i < _segments.Count; i++)
        {
            _segments[i].AsSpan(0, _used[i]).CopyTo(result.AsSpan(at));
            at += _used[i];
        }
        return result;
    }

    /// <summary>Forgets the content and keeps the first segment for the next body.</summary>
    public void Reset()
    {
        for (var i = _segments.Count - 1; i >= 1; i--)
        {
            ArrayPool<byte>.Shared.Return(_segments[i]);
            _segments.RemoveAt(i);
            _used.RemoveAt(i);
        }
        if (_used.Count == 1) _used[0] = 0;
        Length = 0;
    }

    public void Dispose()
    {
        foreach (var segment in _segments) ArrayPool<byte>.Shared.Return(segment);
        _segments.Clear();
        _used.Clear();
        Length = 0;
    }

    private void EnsureRoom(int sizeHint)
    {
        if (sizeHint < 1) sizeHint = 1;
        var last = _segments.Count - 1;
        if (last >= 0 && _segments[last].Length - _used[last] >= sizeHint) return;
        _segments.Add(ArrayPool<byte>.Shared.Rent(Math.Max(SegmentSize, sizeHint)));
        _used.Add(0);
    }
}
