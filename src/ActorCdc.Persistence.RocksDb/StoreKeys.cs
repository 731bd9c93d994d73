using System.Buffers.Binary;

namespace ActorCdc.Persistence.RocksDb;

/// <summary>
/// Key layout of the journal and snapshot column families: big-endian (persistence key, sequence number), 12 bytes,
/// so RocksDB's byte order is (entity, sequence) order and one entity's entries form one contiguous range.
/// Sequence number 0 is never an event: the journal keeps the entity's highest sequence number there.
/// </summary>
internal static class StoreKeys
{
    public const int Length = 12;

    /// <summary>Sequence numbers are positive longs; this unsigned value is above all of them.</summary>
    private const ulong AboveAllSequenceNrs = 1UL << 63;

    public static byte[] Entry(uint persistenceKey, long sequenceNr)
    {
        var key = new byte[Length];
        Write(key, persistenceKey, sequenceNr);
        return key;
    }

    public static void Write(Span<byte> destination, uint persistenceKey, long sequenceNr)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, persistenceKey);
        BinaryPrimitives.WriteUInt64BigEndian(destination[4..], (ulong)sequenceNr);
    }

    /// <summary>The exclusive upper bound of entries up to and including <paramref name="sequenceNr"/> (long.MaxValue allowed).</summary>
    public static byte[] UpperBound(uint persistenceKey, long sequenceNr)
    {
        var key = new byte[Length];
        BinaryPrimitives.WriteUInt32BigEndian(key, persistenceKey);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(4), (ulong)sequenceNr + 1);
        return key;
    }

    /// <summary>The exclusive upper bound of every entry of <paramref name="persistenceKey"/>.</summary>
    public static byte[] EndOf(uint persistenceKey)
    {
        var key = new byte[Length];
        BinaryPrimitives.WriteUInt32BigEndian(key, persistenceKey);
        BinaryPrimitives.WriteUInt64BigEndian(key.AsSpan(4), AboveAllSequenceNrs);
        return key;
    }

    public static long SequenceNr(ReadOnlySpan<byte> key) => (long)BinaryPrimitives.ReadUInt64BigEndian(key[4..]);

    public static uint PersistenceKey(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadUInt32BigEndian(key);
}
