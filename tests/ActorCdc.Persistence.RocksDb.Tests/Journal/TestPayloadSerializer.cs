using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;

namespace ActorCdc.Persistence.RocksDb.Tests.Journal;

/// <summary>
/// Serializer of <see cref="TestPayload"/> (manifest "A") that insists on transport information, as the TCK's
/// TestSerializer: the plugin must serialize and deserialize inside Serialization.WithTransport.
/// </summary>
public sealed class TestPayloadSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => 666;

    public override byte[] ToBinary(object obj) => obj switch
    {
        TestPayload p => VerifyTransport(() => Encoding.UTF8.GetBytes(Akka.Serialization.Serialization.SerializedActorPath(p.Ref))),
        _ => throw new SerializationException($"Unsupported message type [{obj.GetType()}]"),
    };

    public override object FromBinary(byte[] bytes, string manifest) => manifest switch
    {
        "A" => VerifyTransport(() => new TestPayload(system.Provider.ResolveActorRef(Encoding.UTF8.GetString(bytes)))),
        _ => throw new SerializationException($"Unknown manifest [{manifest}] of TestPayloadSerializer"),
    };

    public override string Manifest(object o) => o is TestPayload ? "A" : throw new SerializationException($"Unsupported type [{o.GetType()}]");

    private T VerifyTransport<T>(Func<T> action)
    {
        var info = Akka.Serialization.Serialization.GetCurrentTransportInformation();
        if (info is null) throw new InvalidOperationException("CurrentTransportInformation was not set");
        if (!info.System.Equals(system) || info.Address != system.Provider.DefaultAddress)
            throw new InvalidOperationException($"wrong transport information: {info.System} {info.Address}");
        return action();
    }
}
