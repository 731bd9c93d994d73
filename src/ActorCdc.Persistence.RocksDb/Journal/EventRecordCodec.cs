using System.Buffers.Binary;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.Serialization;

namespace ActorCdc.Persistence.RocksDb.Journal;

/// <summary>
/// Stored form of one event, the value under key (persistence key, sequence number):
/// <c>version(1) timestamp(i64) serializerId(i32) payloadManifest(str) eventManifest(str) writerGuid(str) payload(rest)</c>.
/// The payload goes through Akka serialization with transport information, so actor references keep their address;
/// a <see cref="Tagged"/> payload is stored unwrapped and its tags are dropped (this journal has no query side).
/// </summary>
internal sealed class EventRecordCodec(ExtendedActorSystem system)
{
    private const byte Version = 1;
    private const int FixedSize = 1 + 8 + 4;
    private readonly Akka.Serialization.Serialization _serialization = system.Serialization;

    /// <summary>Serializes <paramref name="persistent"/> into <paramref name="buffer"/>; throws if the payload cannot be serialized.</summary>
    public void Append(JournalEntryBuffer buffer, uint persistenceKey, IPersistentRepresentation persistent)
    {
        var payload = persistent.Payload is Tagged tagged ? tagged.Payload : persistent.Payload;
        var serializer = _serialization.FindSerializerFor(payload);
        var bytes = Akka.Serialization.Serialization.WithTransport(system, (serializer, payload), static s => s.serializer.ToBinary(s.payload));
        var payloadManifest = Akka.Serialization.Serialization.ManifestFor(serializer, payload) ?? string.Empty;
        var eventManifest = persistent.Manifest ?? string.Empty;
        var writerGuid = persistent.WriterGuid ?? string.Empty;

        var size = FixedSize + RecordFormat.StringSize(payloadManifest) + RecordFormat.StringSize(eventManifest) +
                   RecordFormat.StringSize(writerGuid) + bytes.Length;
        var span = buffer.Append(StoreKeys.Length, size);
        StoreKeys.Write(span, persistenceKey, persistent.SequenceNr);
        var value = span[StoreKeys.Length..];
        value[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(value[1..], persistent.Timestamp);
        BinaryPrimitives.WriteInt32LittleEndian(value[9..], serializer.Identifier);
        var offset = FixedSize;
        offset += RecordFormat.WriteString(value[offset..], payloadManifest);
        offset += RecordFormat.WriteString(value[offset..], eventManifest);
        offset += RecordFormat.WriteString(value[offset..], writerGuid);
        bytes.CopyTo(value[offset..]);
    }

    /// <summary>Rebuilds the event; throws <see cref="SerializationException"/> naming the event when it cannot.</summary>
    public IPersistentRepresentation Read(ReadOnlySpan<byte> value, string persistenceId, long sequenceNr)
    {
        int serializerId;
        string payloadManifest, eventManifest, writerGuid;
        long timestamp;
        byte[] bytes;
        try
        {
            var offset = 0;
            var version = RecordFormat.ReadByte(value, ref offset);
            if (version != Version)
                throw new SerializationException($"record version {version} is unknown (this version reads {Version}); it is corrupt or was written by a newer ActorCdc");
            timestamp = RecordFormat.ReadInt64(value, ref offset);
            serializerId = RecordFormat.ReadInt32(value, ref offset);
            payloadManifest = RecordFormat.ReadString(value, ref offset);
            eventManifest = RecordFormat.ReadString(value, ref offset);
            writerGuid = RecordFormat.ReadString(value, ref offset);
            bytes = value[offset..].ToArray();
        }
        catch (SerializationException e)
        {
            throw new SerializationException(
                $"Event {sequenceNr} of '{persistenceId}' in the RocksDB journal is unreadable: {e.Message}. " +
                "Restore the entity from a snapshot in checkpoint storage or run the ActorCdc version that wrote it.", e);
        }

        object payload;
        try
        {
            payload = Akka.Serialization.Serialization.WithTransport(
                system, (_serialization, bytes, serializerId, payloadManifest),
                static s => s._serialization.Deserialize(s.bytes, s.serializerId, s.payloadManifest));
        }
        catch (Exception e)
        {
            throw new SerializationException(
                $"Event {sequenceNr} of '{persistenceId}' cannot be deserialized by serializer {serializerId} with manifest " +
                $"'{payloadManifest}': {e.Message}. Register that serializer with its manifests (events must stay readable " +
                "across versions), or restore the entity from a snapshot written by this version.", e);
        }
        return new Persistent(payload, sequenceNr, persistenceId, eventManifest, false, ActorRefs.NoSender, writerGuid, timestamp);
    }
}
