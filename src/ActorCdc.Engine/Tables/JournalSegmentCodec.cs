using ActorCdc.Core.Changes;
using ActorCdc.Core.Serialization;

namespace ActorCdc.Engine.Tables;

/// <summary>
/// The payload of a journal segment: a version byte, a count, then per batch its journal sequence number and the
/// batch in the Core change codec (the same bytes a <c>TableBatchPersisted</c> event holds).
/// </summary>
internal static class JournalSegmentCodec
{
    private const byte Version = 1;

    public static byte[] Encode(IReadOnlyList<(long SeqNr, ChangeBatch Batch)> batches)
    {
        var size = 16;
        foreach (var (_, b) in batches) size += b.ApproximateBytes + 64;
        var w = new CdcBinaryWriter(size);
        try
        {
            w.WriteByte(Version);
            w.WriteVarUInt32((uint)batches.Count);
            foreach (var (seqNr, batch) in batches)
            {
                w.WriteVarInt64(seqNr);
                ChangeCodec.WriteChangeBatch(ref w, batch);
            }
            return w.ToArray();
        }
        finally
        {
            w.Dispose();
        }
    }

    public static List<(long SeqNr, ChangeBatch Batch)> Decode(ReadOnlySpan<byte> payload)
    {
        var r = new CdcBinaryReader(payload);
        var version = r.ReadByte();
        if (version != Version) throw new InvalidDataException($"journal segment format version {version}; this node reads {Version}: upgrade this node");
        var n = r.ReadCount();
        var result = new List<(long, ChangeBatch)>(n);
        for (var i = 0; i < n; i++) result.Add((r.ReadVarInt64(), ChangeCodec.ReadChangeBatch(ref r)));
        return result;
    }
}
