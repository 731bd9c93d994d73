using System.Runtime.Serialization;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Xunit;
using Xunit.Abstractions;
using static ActorCdc.Core.Tests.Serialization.ChangeSamples;

namespace ActorCdc.Core.Tests.Serialization;

/// <summary>
/// The serializer inside a real actor system that refuses unregistered types (DESIGN.md §4, disableGenericTypes).
/// </summary>
public class CoreSerializerTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config Strict = ConfigurationFactory.ParseString("""
        akka.actor.serialization-settings.allow-unregistered-types = off
        """).WithFallback(CoreSerializer.Config);

    public CoreSerializerTests(ITestOutputHelper output) : base(Strict, nameof(CoreSerializerTests), output)
    {
    }

    private CoreSerializer Serializer => new((ExtendedActorSystem)Sys);

    private sealed record NotBound(int Value);

    [Fact]
    public void Manifests_and_identifier_are_stable()
    {
        // These strings are on the wire and in journals: changing one breaks every stored event.
        Assert.Equal("cb", Serializer.Manifest(Mixed()));
        Assert.Equal("ts", Serializer.Manifest(Orders()));
        Assert.Equal("sp", Serializer.Manifest(new SourcePosition(new Lsn(1), 2)));
        Assert.Equal(101, Serializer.Identifier);
    }

    [Fact]
    public void The_actor_system_picks_this_serializer_for_the_change_model_with_unregistered_types_refused()
    {
        var serialization = Sys.Serialization;
        Assert.IsType<CoreSerializer>(serialization.FindSerializerFor(Mixed()));
        Assert.IsType<CoreSerializer>(serialization.FindSerializerFor(Orders()));
        Assert.IsType<CoreSerializer>(serialization.FindSerializerFor(SourcePosition.Start));
        // Proves strict mode is really on: anything unbound has no JSON fallback.
        Assert.Throws<SerializationException>(() => serialization.FindSerializerFor(new NotBound(1)));
    }

    [Fact]
    public void Change_model_messages_round_trip_through_the_actor_system_serialization()
    {
        var serialization = Sys.Serialization;

        var batch = Mixed();
        ChangeAssert.Equal(batch, (ChangeBatch)RoundTripThroughSystem(batch));

        var schema = KeylessFull();
        ChangeAssert.Equal(schema, (TableSchema)RoundTripThroughSystem(schema));

        var position = SourcePosition.EndOf(new Lsn(ulong.MaxValue));
        Assert.Equal(position, (SourcePosition)RoundTripThroughSystem(position));

        object RoundTripThroughSystem(object message)
        {
            var serializer = serialization.FindSerializerFor(message);
            var bytes = serialization.Serialize(message);
            var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
            return serialization.Deserialize(bytes, serializer.Identifier, manifest);
        }
    }

    [Fact]
    public void Every_payload_starts_with_format_version_1()
    {
        Assert.Equal(1, Serializer.ToBinary(Mixed())[0]);
        Assert.Equal(1, Serializer.ToBinary(Orders())[0]);
        Assert.Equal(1, Serializer.ToBinary(SourcePosition.Start)[0]);
    }

    [Fact]
    public void An_unknown_manifest_is_refused_with_a_clear_message()
    {
        var bytes = Serializer.ToBinary(Mixed());
        var e = Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, "zz"));
        Assert.Contains("manifest 'zz'", e.Message);
    }

    [Fact]
    public void An_unknown_format_version_is_refused_with_a_clear_message()
    {
        var bytes = Serializer.ToBinary(Mixed());
        bytes[0] = 2;
        var e = Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, "cb"));
        Assert.Contains("format version 2", e.Message);
    }

    [Fact]
    public void Empty_truncated_or_padded_payloads_are_refused()
    {
        var bytes = Serializer.ToBinary(Mixed());
        // Every prefix must fail as a SerializationException, never an index or decoder exception.
        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes[..length];
            Assert.Throws<SerializationException>(() => Serializer.FromBinary(prefix, "cb"));
        }
        var padded = bytes.Concat(new byte[] { 0 }).ToArray();
        Assert.Throws<SerializationException>(() => Serializer.FromBinary(padded, "cb"));
    }

    [Fact]
    public void An_object_outside_the_change_model_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Serializer.Manifest(new NotBound(1)));
        Assert.Throws<ArgumentException>(() => Serializer.ToBinary(new NotBound(1)));
    }
}
