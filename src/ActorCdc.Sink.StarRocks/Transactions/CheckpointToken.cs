using System.Text;
using ActorCdc.Core.Positions;

namespace ActorCdc.Sink.StarRocks.Transactions;

/// <summary>
/// What an exactly-once table sink hands the engine at a checkpoint: the prepared transactions and truncations since the
/// previous one, in commit order, and the sequence number of the next transaction label (for finding lingering ones).
/// Serialized as: version byte, next sequence, position, step count, then per step a kind byte, a UTF-8 label and a position.
/// </summary>
internal sealed record CheckpointToken(long NextSequence, SourcePosition UpTo, IReadOnlyList<CheckpointStep> Steps)
{
    private const byte Version = 1;

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Version);
            w.Write(NextSequence);
            w.Write(UpTo.CommitLsn.Value);
            w.Write(UpTo.Index);
            w.Write(Steps.Count);
            foreach (var step in Steps)
            {
                w.Write((byte)step.Kind);
                w.Write(step.Label);
                w.Write(step.At.CommitLsn.Value);
                w.Write(step.At.Index);
            }
        }
        return stream.ToArray();
    }

    public static CheckpointToken Parse(byte[] bytes)
    {
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
            if (r.ReadByte() != Version) throw new FormatException("unknown version");
            var next = r.ReadInt64();
            var upTo = new SourcePosition(new Lsn(r.ReadUInt64()), r.ReadInt64());
            var count = r.ReadInt32();
            var steps = new List<CheckpointStep>(count);
            for (var i = 0; i < count; i++) steps.Add(new CheckpointStep((CheckpointStepKind)r.ReadByte(), r.ReadString(), new SourcePosition(new Lsn(r.ReadUInt64()), r.ReadInt64())));
            return new CheckpointToken(next, upTo, steps);
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or IOException)
        {
            throw new FormatException($"The checkpoint token ({bytes.Length} bytes) was not written by this StarRocks sink: {e.Message}", e);
        }
    }
}
