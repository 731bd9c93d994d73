using ActorCdc.Core.Changes;
using ActorCdc.Core.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Xunit;
using Xunit.Abstractions;

namespace ActorCdc.Core.Tests.Serialization;

/// <summary>
/// With <c>serialize-messages = on</c> every local Tell goes through the bound serializer, as a remote one would.
/// </summary>
/// <remarks>
/// Unregistered types stay allowed here: under strict mode Akka 1.5.73 itself fails to serialize its own
/// <c>StopChild</c> while the system shuts down and logs an error; strictness is proven in <see cref="CoreSerializerTests"/>.
/// </remarks>
public class SerializeMessagesTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Config SerializeEverything =
        ConfigurationFactory.ParseString("akka.actor.serialize-messages = on").WithFallback(CoreSerializer.Config);

    public SerializeMessagesTests(ITestOutputHelper output) : base(SerializeEverything, nameof(SerializeMessagesTests), output)
    {
    }

    [Fact]
    public void A_batch_told_to_an_actor_arrives_as_an_equal_deserialized_copy()
    {
        var batch = ChangeSamples.Mixed();
        TestActor.Tell(batch);
        var received = ExpectMsg<ChangeBatch>();
        Assert.NotSame(batch, received); // serialize-messages delivers what the serializer read back
        ChangeAssert.Equal(batch, received);
    }
}
