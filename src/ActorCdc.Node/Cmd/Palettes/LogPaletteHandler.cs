using ActorCdc.Cmd.Palettes;
using ActorCdc.Node.Logging;
using static ActorCdc.Node.Cmd.Palettes.PaletteArguments;

namespace ActorCdc.Node.Cmd.Palettes;

/// <summary>The <c>log</c> palette: the last lines this node logged (its own and Akka's).</summary>
public sealed class LogPaletteHandler(RecentLogs logs) : ICommandPaletteHandler
{
    public CommandPalette Palette { get; } = new("log", "this node's recent log",
    [
        new CommandDefinition("peek", $"the last lines this node logged (up to {RecentLogs.Capacity} are kept)",
            [Arg("lines", "-n", "how many lines", defaultValue: "50")]),
    ]);

    public async Task<CommandResult> ExecuteAsync(CommandRequest request, ICommandOutput output, CancellationToken cancellation)
    {
        if (request.Command != "peek") return CommandResult.Fail($"log has no command '{request.Command}'; commands: peek");
        var n = request.PositiveInt("lines", 50, out var error);
        if (n is null) return CommandResult.Fail(error!);
        var lines = logs.Last(n.Value);
        if (request.Json) await output.WriteAsync(CommandJson.Line(new { Lines = lines }), cancellation).ConfigureAwait(false);
        else if (lines.Count > 0) await output.WriteAsync(string.Join("\n", lines) + "\n", cancellation).ConfigureAwait(false);
        return CommandResult.Ok;
    }
}
