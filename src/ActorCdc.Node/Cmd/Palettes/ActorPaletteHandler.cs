using ActorCdc.Cmd.Palettes;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using static ActorCdc.Node.Cmd.Palettes.PaletteArguments;

namespace ActorCdc.Node.Cmd.Palettes;

/// <summary>The <c>actor</c> palette: the actor hierarchy of this node under a path, as a tree.</summary>
public sealed class ActorPaletteHandler(IServiceProvider services) : ICommandPaletteHandler
{
    /// <summary>Children listed per actor at most, so a region with many entities stays readable.</summary>
    public const int MaxChildren = 200;

    public CommandPalette Palette { get; } = new("actor", "this node's actors",
    [
        new CommandDefinition("hierarchy", "the actors under a path, as a tree",
            [Arg("path", "-s", "where to start, e.g. /user/pipelines", defaultValue: "/user"), Arg("depth", "-d", "levels below the start", defaultValue: "3")]),
    ]);

    public async Task<CommandResult> ExecuteAsync(CommandRequest request, ICommandOutput output, CancellationToken cancellation)
    {
        if (request.Command != "hierarchy") return CommandResult.Fail($"actor has no command '{request.Command}'; commands: hierarchy");
        var depth = request.PositiveInt("depth", 3, out var error);
        if (depth is null) return CommandResult.Fail(error!);
        var path = request.Get("path") ?? "/user";
        if (!path.StartsWith('/')) return CommandResult.Fail($"'{path}' is not an actor path; give one such as /user or /system (it starts with /)");
        var system = services.GetRequiredService<ActorSystem>();
        IActorRef root;
        try
        {
            root = path == "/" ? ((ExtendedActorSystem)system).Provider.RootGuardian
                : await system.ActorSelection(path).ResolveOne(TimeSpan.FromSeconds(3), cancellation).ConfigureAwait(false);
        }
        catch (ActorNotFoundException)
        {
            return CommandResult.Fail($"no actor at {path} on this node; try `actor hierarchy -s /user -d 1` to see what there is");
        }
        var tree = ActorTree.Walk(root, depth.Value, MaxChildren);
        await output.WriteAsync(request.Json ? CommandJson.Line(tree) : ActorTree.Render(tree), cancellation).ConfigureAwait(false);
        return CommandResult.Ok;
    }
}
