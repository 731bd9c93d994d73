using System.Collections.Concurrent;
using RocksDbSharp;

namespace ActorCdc.Persistence.RocksDb.Journal;

/// <summary>
/// The key/value entries of one WriteMessagesAsync call, packed into one reused array so a call costs no allocation
/// per event beyond the serializer's output; an atomic write that fails to serialize is rolled back to its mark.
/// </summary>
/// <remarks>
/// Buffers are rented on the journal's thread and returned by the writer's completion, on another thread; a small
/// lock-free pool of whole buffers avoids ArrayPool's per-thread caches, which a cross-thread rent/return defeats.
/// </remarks>
internal sealed class JournalEntryBuffer
{
    private const int InitialCapacity = 4096;
    private const int MaxPooledCapacity = 1 << 20;
    private const int MaxPooled = 256;
    private static readonly ConcurrentQueue<JournalEntryBuffer> Pool = new();

    private readonly List<(int Offset, int KeyLength, int ValueLength)> _entries = new();
    private byte[] _bytes;
    private int _length;

    private JournalEntryBuffer(int capacity) => _bytes = new byte[capacity];

    /// <summary>An empty buffer from the pool, or a new one.</summary>
    public static JournalEntryBuffer Rent() => Pool.TryDequeue(out var buffer) ? buffer : new JournalEntryBuffer(InitialCapacity);

    public int Count => _entries.Count;

    public int ByteLength => _length;

    public (int Length, int Count) Mark() => (_length, _entries.Count);

    public void Rollback((int Length, int Count) mark)
    {
        _length = mark.Length;
        _entries.RemoveRange(mark.Count, _entries.Count - mark.Count);
    }

    /// <summary>Reserves one entry; the caller writes the key then the value into the returned span.</summary>
    public Span<byte> Append(int keyLength, int valueLength)
    {
        var size = keyLength + valueLength;
        if (_length + size > _bytes.Length)
        {
            var bigger = new byte[Math.Max(_bytes.Length * 2, _length + size)];
            _bytes.AsSpan(0, _length).CopyTo(bigger);
            _bytes = bigger;
        }
        _entries.Add((_length, keyLength, valueLength));
        var span = _bytes.AsSpan(_length, size);
        _length += size;
        return span;
    }

    /// <summary>The value of entry <paramref name="index"/> (the benchmark's baseline writes these exact bytes).</summary>
    public ReadOnlySpan<byte> ValueAt(int index)
    {
        var (offset, keyLength, valueLength) = _entries[index];
        return _bytes.AsSpan(offset + keyLength, valueLength);
    }

    public void AddTo(WriteBatch batch, ColumnFamilyHandle family)
    {
        foreach (var (offset, keyLength, valueLength) in _entries)
            batch.Put(_bytes.AsSpan(offset, keyLength), _bytes.AsSpan(offset + keyLength, valueLength), family);
    }

    /// <summary>Empties the buffer and gives it back to the pool (a grown one is dropped so the pool stays small).</summary>
    public void Return()
    {
        _length = 0;
        _entries.Clear();
        if (_bytes.Length <= MaxPooledCapacity && Pool.Count < MaxPooled) Pool.Enqueue(this);
    }
}
