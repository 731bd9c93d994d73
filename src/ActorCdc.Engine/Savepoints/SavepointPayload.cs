using ActorCdc.Core.Serialization;
using ActorCdc.Engine.Serialization;
using Akka.Actor;

namespace ActorCdc.Engine.Savepoints;

/// <summary>
/// How an entity's state is stored in a savepoint: the engine serializer's manifest and bytes, so a savepoint is
/// independent of the state backend that wrote it and can be restored into either.
/// </summary>
public static class SavepointPayload
{
    public static byte[] Encode(ActorSystem system, object state)
    {
        var serializer = (EngineSerializer)system.Serialization.FindSerializerFor(state);
        var bytes = serializer.ToBinary(state);
        var writer = new CdcBinaryWriter(bytes.Length + 16);
        try
        {
            writer.WriteString(serializer.Manifest(state));
            writer.WriteBytes(bytes);
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    public static object Decode(ActorSystem system, ReadOnlySpan<byte> payload)
    {
        var reader = new CdcBinaryReader(payload);
        var manifest = reader.ReadString();
        var bytes = reader.ReadBytes();
        return system.Serialization.Deserialize(bytes, EngineSerializer.SerializerIdentifier, manifest);
    }
}
