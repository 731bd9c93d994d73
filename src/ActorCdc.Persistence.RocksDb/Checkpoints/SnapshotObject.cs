using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ActorCdc.Persistence.RocksDb.Checkpoints;

/// <summary>
/// The bytes of one snapshot object in checkpoint or savepoint storage: a self-describing header, then the payload.
/// <code>
/// "ACSN" | version (1) | checksum algorithm (1 = SHA-256) | 2 reserved bytes | pid length (int32) | pid (UTF-8)
/// | sequence nr (int64) | timestamp ticks UTC (int64) | payload length (int64) | SHA-256 (32 bytes) | payload
/// </code>
/// Integers are little-endian. The SHA-256 covers every header byte before it and the payload, so any flipped byte,
/// a truncated upload or a mislabelled object is detected.
/// </summary>
internal static class SnapshotObject
{
    public const byte Version = 1;
    private const byte Sha256Algorithm = 1;
    private const int HashLength = 32;
    private static ReadOnlySpan<byte> Magic => "ACSN"u8;

    /// <summary>Encodes <paramref name="snapshot"/>; <paramref name="checksum"/> is the object's SHA-256 as lower-case hex.</summary>
    public static byte[] Encode(StoredSnapshot snapshot, out string checksum)
    {
        var pidLength = Encoding.UTF8.GetByteCount(snapshot.PersistenceId);
        var hashOffset = 8 + 4 + pidLength + 8 + 8 + 8;
        var payload = snapshot.Payload.Span;
        var bytes = new byte[hashOffset + HashLength + payload.Length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        span[4] = Version;
        span[5] = Sha256Algorithm;
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], pidLength);
        Encoding.UTF8.GetBytes(snapshot.PersistenceId, span.Slice(12, pidLength));
        var at = 12 + pidLength;
        BinaryPrimitives.WriteInt64LittleEndian(span[at..], snapshot.SequenceNr);
        BinaryPrimitives.WriteInt64LittleEndian(span[(at + 8)..], ToUtc(snapshot.TimestampUtc).Ticks);
        BinaryPrimitives.WriteInt64LittleEndian(span[(at + 16)..], payload.Length);
        payload.CopyTo(span[(hashOffset + HashLength)..]);
        var hash = span.Slice(hashOffset, HashLength);
        ComputeHash(span[..hashOffset], payload, hash);
        checksum = Convert.ToHexStringLower(hash);
        return bytes;
    }

    /// <summary>
    /// Decodes and verifies <paramref name="bytes"/>; on failure returns false with a reason fit for a warning. The payload
    /// of the result is a slice of <paramref name="bytes"/>.
    /// </summary>
    public static bool TryDecode(byte[] bytes, out StoredSnapshot? snapshot, out string checksum, out string error)
    {
        snapshot = null;
        checksum = "";
        var span = bytes.AsSpan();
        if (span.Length < 12 || !span[..4].SequenceEqual(Magic))
        {
            error = "it does not start with the snapshot header (magic ACSN)";
            return false;
        }
        if (span[4] != Version || span[5] != Sha256Algorithm)
        {
            error = $"it has format version {span[4]} and checksum algorithm {span[5]}; this build reads version {Version} with SHA-256 only";
            return false;
        }
        var pidLength = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        var hashOffset = 12L + pidLength + 24;
        if (pidLength <= 0 || hashOffset + HashLength > span.Length)
        {
            error = $"its header is truncated or damaged ({span.Length} bytes in all)";
            return false;
        }
        var at = 12 + pidLength;
        var payloadLength = BinaryPrimitives.ReadInt64LittleEndian(span[(at + 16)..]);
        var payloadOffset = (int)hashOffset + HashLength;
        if (payloadLength != span.Length - payloadOffset)
        {
            error = $"its header announces {payloadLength} payload bytes but {span.Length - payloadOffset} follow (truncated or damaged)";
            return false;
        }
        Span<byte> actual = stackalloc byte[HashLength];
        ComputeHash(span[..(int)hashOffset], span[payloadOffset..], actual);
        var stored = span.Slice((int)hashOffset, HashLength);
        if (!actual.SequenceEqual(stored))
        {
            error = $"its SHA-256 is {Convert.ToHexStringLower(actual)} but the header records {Convert.ToHexStringLower(stored)}";
            return false;
        }
        string pid;
        try
        {
            pid = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(span.Slice(12, pidLength));
        }
        catch (DecoderFallbackException)
        {
            error = "its persistence id is not valid UTF-8";
            return false;
        }
        var ticks = BinaryPrimitives.ReadInt64LittleEndian(span[(at + 8)..]);
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            error = $"its timestamp ({ticks} ticks) is out of range";
            return false;
        }
        snapshot = new StoredSnapshot(pid, BinaryPrimitives.ReadInt64LittleEndian(span[at..]), new DateTime(ticks, DateTimeKind.Utc),
            bytes.AsMemory(payloadOffset));
        checksum = Convert.ToHexStringLower(stored);
        error = "";
        return true;
    }

    public static DateTime ToUtc(DateTime t) => t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc);

    private static void ComputeHash(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(header);
        hash.AppendData(payload);
        hash.GetHashAndReset(destination);
    }
}
