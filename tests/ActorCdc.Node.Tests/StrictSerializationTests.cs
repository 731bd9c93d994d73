using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace ActorCdc.Node.Tests;

/// <summary>
/// Akka's own reference configuration allows unregistered types (they would fall back to a general-purpose serializer);
/// the node as the executable builds it must not (DESIGN.md §4: every message and event has a registered serializer).
/// </summary>
public class StrictSerializationTests(PaletteNodeFixture node) : IClassFixture<PaletteNodeFixture>
{
    private sealed record NotRegistered(string Text);

    [Fact]
    public void The_running_node_refuses_types_without_a_registered_serializer()
    {
        var system = node.Services.GetRequiredService<ActorSystem>();
        Assert.False(system.Settings.Config.GetBoolean("akka.actor.serialization-settings.allow-unregistered-types", true));
        Assert.ThrowsAny<Exception>(() => system.Serialization.FindSerializerFor(new NotRegistered("x")));
    }
}
