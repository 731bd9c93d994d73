using System.Buffers.Binary;
using System.Runtime.Serialization;
using Akka.Actor;

namespace ActorCdc.Persistence.RocksDb.Snapshot;

/// <summary>
/// The serialized snapshot, as kept locally and in checkpoint storage:
/// <c>version(1) serializerId(i32) manifest(str) payload(rest)</c>, the payload through Akka serialization with
/// transport information so actor references keep their address.
/// </summary>
internal sealed class SnapshotBlobCodec(ExtendedActorSystem system)
{
    private const byte Version = 1;
    private readonly Akka.Serialization.Serialization _serialization = system.Serialization;

    public byte[] Serialize(object snapshot)
    {
        var serializer = _serialization.FindSerializerFor(snapshot);
        var bytes = Akka.Serialization.Serialization.WithTransport(system, (serializer, snapshot), static s => s.serializer.ToBinary(s.snapshot));
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, snapshot) ?? string.Empty;
        var blob = new byte[1 + 4 + RecordFormat.StringSize(manifest) + bytes.Length];
        blob[0] = Version;
        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(1), serializer.Identifier);
        var offset = 5 + RecordFormat.WriteString(blob.AsSpan(5), manifest);
        bytes.CopyTo(blob.AsSpan(offset));
        return blob;
    }

    /// <summary>Rebuilds the snapshot; throws <see cref="SerializationException"/> naming it when it cannot.</summary>
    public object Deserialize(ReadOnlySpan<byte> blob, string persistenceId, long sequenceNr)
    {
        int serializerId;
        string manifest;
        byte[] bytes;
        try
        {
            var offset = 0;
            var version = RecordFormat.ReadByte(blob, ref offset);
            if (version != Version)
                throw new SerializationException($"snapshot format version {version} is unknown (this version reads {Version}); it is corrupt or was written by a newer ActorCdc");
            serializerId = RecordFormat.ReadInt32(blob, ref offset);
            manifest = RecordFormat.ReadString(blob, ref offset);
            bytes = blob[offset..].ToArray();
        }
        catch (SerializationException e)
        {
            throw new SerializationException($"Snapshot {sequenceNr} of '{persistenceId}' is unreadable: {e.Message}.", e);
        }
        try
        {
            return Akka.Serialization.Serialization.WithTransport(
                system, (_serialization, bytes, serializerId, manifest),
                static s => s._serialization.Deserialize(s.bytes, s.serializerId, s.manifest));
        }
        catch (Exception e)
        {
            throw new SerializationException(
                $"Snapshot {sequenceNr} of '{persistenceId}' cannot be deserialized by serializer {serializerId} with manifest " +
                $"'{manifest}': {e.Message}. Register that serializer with its manifests, or start the ActorCdc version that wrote it.", e);
        }
    }
}
