using System.Collections.Concurrent;
using ActorCdc.Cmd.Palettes;

namespace ActorCdc.Cmd.Tests;

/// <summary>
/// A palette served by the tests' command hosts. Each command records what it saw, so a test can wait for a
/// handler to start, to be cancelled, or release it when the test is ready.
/// </summary>
public sealed class TestPaletteHandler : ICommandPaletteHandler
{
    public CommandPalette Palette { get; } = new("test", "commands for the host tests", [
        new CommandDefinition("echo", "writes its text back", [new ArgumentDefinition("text", ["-t", "--text"], "what to write", Mandatory: true)]),
        new CommandDefinition("stream", "writes a line, then more each time it is released, until cancelled", [new ArgumentDefinition("name", ["--name"], "label", Default: "s")], Streaming: true),
        new CommandDefinition("wait", "waits until released", [new ArgumentDefinition("name", ["--name"], "label", Mandatory: true)]),
        new CommandDefinition("fail", "fails", []),
        new CommandDefinition("throw", "throws", []),
    ]);

    /// <summary>Commands (by --name) that started.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Started { get; } = new();

    /// <summary>Commands (by --name) whose cancellation token fired.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Cancelled { get; } = new();

    /// <summary>Set by a test to let command --name go on.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Release { get; } = new();

    public TaskCompletionSource Signal(ConcurrentDictionary<string, TaskCompletionSource> map, string name) =>
        map.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public async Task<CommandResult> ExecuteAsync(CommandRequest request, ICommandOutput output, CancellationToken cancellation)
    {
        var name = request.Arguments.GetValueOrDefault("name", "");
        Signal(Started, name).TrySetResult();
        try
        {
            return await RunAsync(request, name, output, cancellation);
        }
        finally
        {
            // Recorded before the handler returns, so before the host sends Done.
            if (cancellation.IsCancellationRequested) Signal(Cancelled, name).TrySetResult();
        }
    }

    private async Task<CommandResult> RunAsync(CommandRequest request, string name, ICommandOutput output, CancellationToken cancellation)
    {
        switch (request.Command)
        {
            case "echo":
                await output.WriteAsync(request.Arguments["text"] + (request.Json ? " (json)" : "") + "\n", cancellation);
                return CommandResult.Ok;
            case "stream":
                for (var n = 1; ; n++)
                {
                    await output.WriteAsync($"{name} line {n}\n", cancellation);
                    var release = Signal(Release, $"{name}-{n}");
                    await release.Task.WaitAsync(cancellation); // throws when cancelled: the host reports Ok
                }
            case "wait":
                await Signal(Release, name).Task.WaitAsync(cancellation);
                await output.WriteAsync($"{name} released\n", cancellation);
                return CommandResult.Ok;
            case "fail":
                return CommandResult.Fail("the pipeline refused: fix it and retry");
            case "throw":
                throw new InvalidOperationException("boom: the handler broke");
            default:
                return CommandResult.Fail($"no command {request.Command}");
        }
    }
}
