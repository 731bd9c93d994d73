using ActorCdc.Cmd.Client;
using ActorCdc.Cmd.Palettes;

namespace ActorCdc.Cli;

/// <summary>
/// actorcdc: the operator's client. Connects to a node's command host, which sends the palettes it serves, and runs
/// one command (or a prompt with <c>-i</c>). Exit codes: 0 done, 1 the node carried the command out and it failed,
/// 2 usage or connection error (one line on stderr).
/// </summary>
internal static class Program
{
    public const int Succeeded = 0;
    public const int CommandFailed = 1;
    public const int UsageOrConnectionError = 2;

    public static async Task<int> Main(string[] args)
    {
        CliOptions options;
        try
        {
            options = CliOptions.Parse(args, Environment.GetEnvironmentVariable("ACTORCDC_TOKEN"));
        }
        catch (CommandUsageException e)
        {
            return Error(e.Message);
        }
        if (options.Version)
        {
            Console.WriteLine($"actorcdc {CommandClientVersion()}");
            return Succeeded;
        }
        if (options.Help) return await HelpAsync(options);
        if (options.Interactive) return await new InteractiveShell(options).RunAsync();
        return await RunOneAsync(options);
    }

    private static async Task<int> RunOneAsync(CliOptions options)
    {
        using var cancel = new CancellationTokenSource();
        // First Ctrl+C: cancel the command and let the node end it; a second one ends the process at once.
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cancel.IsCancellationRequested) return;
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            await using var client = await CommandClient.ConnectAsync(options.Host, options.Port, options.Token, cancel.Token);
            if (client.Parser.IsHelp(options.Words, out var palette))
            {
                Console.Write(palette is null ? "palettes:\n" + client.Parser.Help() : CommandParser.Help(palette));
                return Succeeded;
            }
            var request = client.Parse(options.Words, options.Json);
            return await ExecuteAsync(client, request, cancel.Token);
        }
        catch (CommandUsageException e)
        {
            return Error(e.Message);
        }
        catch (CommandConnectionException e)
        {
            return Error(e.Message);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return Succeeded; // Ctrl+C before the node answered: nothing ran
        }
        catch (IOException)
        {
            return Succeeded; // stdout closed (actorcdc ... | head): the command was cancelled on the node
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>Runs one parsed command, writing its output as it arrives; returns the exit code.</summary>
    /// <exception cref="CommandConnectionException">the connection was lost.</exception>
    public static async Task<int> ExecuteAsync(CommandClient client, CommandRequest request, CancellationToken cancellation)
    {
        var stdout = Console.Out;
        var endsWithNewline = true;
        var result = await client.ExecuteAsync(request, text =>
        {
            if (text.Length > 0)
            {
                stdout.Write(text);
                endsWithNewline = text[^1] == '\n';
            }
            return ValueTask.CompletedTask;
        }, cancellation);
        await stdout.FlushAsync(CancellationToken.None);
        if (!endsWithNewline) Console.WriteLine();
        if (!result.Succeeded)
        {
            Console.Error.WriteLine($"actorcdc: {result.Message ?? $"'{request.Palette} {request.Command}' failed"}");
            return CommandFailed;
        }
        if (result.Message is { Length: > 0 } message) Console.WriteLine(message);
        return Succeeded;
    }

    private static async Task<int> HelpAsync(CliOptions options)
    {
        Console.WriteLine(CliOptions.Usage);
        // The palettes come from the node; without one reachable the usage above is all there is to say.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await using var client = await CommandClient.ConnectAsync(options.Host, options.Port, options.Token, timeout.Token);
            Console.WriteLine($"palettes of {client.Node} ({options.Host}:{options.Port}):");
            Console.Write(client.Parser.Help());
        }
        catch (Exception e) when (e is CommandConnectionException or OperationCanceledException)
        {
            Console.WriteLine($"palettes: unknown ({e.Message})");
        }
        return Succeeded;
    }

    public static int Error(string message)
    {
        Console.Error.WriteLine($"actorcdc: {message}");
        return UsageOrConnectionError;
    }

    private static string CommandClientVersion() =>
        typeof(Program).Assembly.GetName().Version?.ToString() ?? "0";
}
