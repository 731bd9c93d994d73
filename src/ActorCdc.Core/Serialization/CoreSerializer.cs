using System.Runtime.Serialization;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace ActorCdc.Core.Serialization;

/// <summary>
/// Akka serializer (id 101) for the change model's messages: <see cref="ChangeBatch"/>, <see cref="TableSchema"/> and
/// <see cref="SourcePosition"/>. Merge <see cref="Config"/> into the node's configuration to register it.
/// </summary>
/// <remarks>
/// Every payload starts with a format version byte so that a node can refuse, with a clear message, what a newer
/// node wrote, and a later version can still read what an older one persisted.
/// </remarks>
public sealed class CoreSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer id; 1-100 are Akka's own.</summary>
    public const int SerializerIdentifier = 101;

    /// <summary>The version byte that starts every payload this build writes.</summary>
    public const byte FormatVersion = 1;

    // Manifests are on the wire and in journals: never change one, only add.
    private const string ChangeBatchManifest = "cb";
    private const string TableSchemaManifest = "ts";
    private const string SourcePositionManifest = "sp";

    // Big enough for a schema or a position without growing; batches size the buffer from their own estimate.
    private const int SmallPayloadCapacity = 512;
    private const int MaxInitialCapacity = 64 * 1024 * 1024;

    public CoreSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    public override int Identifier => SerializerIdentifier;

    /// <summary>
    /// Registers this serializer under <c>akka.actor.serializers.actorcdc-core</c> and binds the change model's messages to it.
    /// </summary>
    public static Config Config { get; } = ConfigurationFactory.ParseString(BuildHocon());

    public override string Manifest(object o) => o switch
    {
        ChangeBatch => ChangeBatchManifest,
        TableSchema => TableSchemaManifest,
        SourcePosition => SourcePositionManifest,
        _ => throw new ArgumentException($"{nameof(CoreSerializer)} cannot serialize {o.GetType().FullName}.", nameof(o)),
    };

    public override byte[] ToBinary(object obj)
    {
        var capacity = obj is ChangeBatch batch
            ? (int)Math.Min((long)batch.ApproximateBytes + SmallPayloadCapacity, MaxInitialCapacity)
            : SmallPayloadCapacity;
        var writer = new CdcBinaryWriter(capacity);
        try
        {
            writer.WriteByte(FormatVersion);
            switch (obj)
            {
                case ChangeBatch b:
                    ChangeCodec.WriteChangeBatch(ref writer, b);
                    break;
                case TableSchema s:
                    ChangeCodec.WriteTableSchema(ref writer, s);
                    break;
                case SourcePosition p:
                    ChangeCodec.WriteSourcePosition(ref writer, p);
                    break;
                default:
                    throw new ArgumentException($"{nameof(CoreSerializer)} cannot serialize {obj.GetType().FullName}.", nameof(obj));
            }
            return writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var reader = new CdcBinaryReader(bytes);
        if (reader.IsAtEnd)
            throw new SerializationException($"{nameof(CoreSerializer)} received an empty payload for manifest '{manifest}'.");
        var version = reader.ReadByte();
        if (version != FormatVersion)
            throw new SerializationException(
                $"{nameof(CoreSerializer)} cannot read format version {version} (manifest '{manifest}'); this node reads version " +
                $"{FormatVersion}. The payload was written by a newer ActorCdc: upgrade this node.");
        object result = manifest switch
        {
            ChangeBatchManifest => ChangeCodec.ReadChangeBatch(ref reader),
            TableSchemaManifest => ChangeCodec.ReadTableSchema(ref reader),
            SourcePositionManifest => ChangeCodec.ReadSourcePosition(ref reader),
            _ => throw new SerializationException(
                $"{nameof(CoreSerializer)} does not know manifest '{manifest}'; it was probably written by a newer ActorCdc: upgrade this node."),
        };
        if (!reader.IsAtEnd)
            throw new SerializationException(
                $"{nameof(CoreSerializer)} payload for manifest '{manifest}' has {reader.Remaining} unread byte(s) after the message.");
        return result;
    }

    private static string BuildHocon()
    {
        // Type names come from typeof so that a rename cannot leave the bindings pointing at nothing.
        static string Name(Type t) => $"\"{t.FullName}, {t.Assembly.GetName().Name}\"";
        return $$"""
            akka.actor {
              serializers {
                actorcdc-core = {{Name(typeof(CoreSerializer))}}
              }
              serialization-bindings {
                {{Name(typeof(ChangeBatch))}} = actorcdc-core
                {{Name(typeof(TableSchema))}} = actorcdc-core
                {{Name(typeof(SourcePosition))}} = actorcdc-core
              }
              serialization-identifiers {
                {{Name(typeof(CoreSerializer))}} = {{SerializerIdentifier}}
              }
            }
            """;
    }
}
