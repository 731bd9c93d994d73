using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace ActorCdc.Persistence.RocksDb.Tests.Journal;

/// <summary>Serializer bound to <see cref="UnserializableEvent"/>: every call throws, like a payload the JSON serializer cannot handle.</summary>
public sealed class FailingSerializer(ExtendedActorSystem system) : Serializer(system)
{
    public override int Identifier => 667;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) => throw new SerializationException($"{obj.GetType().Name} cannot be serialized");

    public override object FromBinary(byte[] bytes, Type? type) => throw new SerializationException("cannot be deserialized");
}
