using System.Buffers;
using RocksDbSharp;

namespace ActorCdc.Persistence.RocksDb.Journal;

/// <summary>
/// The key/value entries of one WriteMessagesAsync call, packed into one pooled array so a call costs no allocation
/// per event beyond the serializer's output; an atomic write that fails to serialize is rolled back to its mark.
/// </summary>
internal sealed class JournalEntryBuffer
{
    private readonly List<(int Offset, int KeyLength, int ValueLength)> _entries = new();
    private byte[] _bytes;
    private int _length;

    public JournalEntryBuffer(int capacity) => _bytes = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));

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
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_bytes.Length * 2, _length + size));
            _bytes.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = bigger;
        }
        _entries.Add((_length, keyLength, valueLength));
        var span = _bytes.AsSpan(_length, size);
        _length += size;
        return span;
    }

    public void AddTo(WriteBatch batch, ColumnFamilyHandle family)
    {
        foreach (var (offset, keyLength, valueLength) in _entries)
            batch.Put(_bytes.AsSpan(offset, keyLength), _bytes.AsSpan(offset + keyLength, valueLength), family);
    }

    public void Return()
    {
        ArrayPool<byte>.Shared.Return(_bytes);
        _bytes = [];
        _length = 0;
        _entries.Clear();
    }
}
