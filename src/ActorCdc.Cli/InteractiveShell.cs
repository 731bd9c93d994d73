using ActorCdc.Cmd.Client;
using ActorCdc.Cmd.Palettes;

namespace ActorCdc.Cli;

/// <summary>
/// <c>actorcdc -i</c>: one connection, commands typed at a prompt. Ctrl+C cancels the running command, not the shell;
/// <c>exit</c>, <c>quit</c> or end of input leave.
/// </summary>
internal sealed class InteractiveShell(CliOptions options)
{
    private readonly Lock _gate = new();
    private CancellationTokenSource? _running;

    public async Task<int> RunAsync()
    {
        CommandClient client;
        try
        {
            client = await CommandClient.ConnectAsync(options.Host, options.Port, options.Token, CancellationToken.None);
        }
        catch (CommandConnectionException e)
        {
            return Program.Error(e.Message);
        }
        await using (client)
        {
            Console.CancelKeyPress += OnCancel;
            try
            {
                Console.WriteLine($"connected to {client.Node} at {options.Host}:{options.Port}; palettes: " +
                                  string.Join(", ", client.Palettes.Select(p => p.Name)) + "; 'help' lists them, 'exit' quits");
                return await LoopAsync(client);
            }
            finally
            {
                Console.CancelKeyPress -= OnCancel;
            }
        }
    }

    private async Task<int> LoopAsync(CommandClient client)
    {
        while (true)
        {
            Console.Write("actorcdc> ");
            var line = Console.ReadLine();
            if (line is null) return Program.Succeeded; // end of input
            List<string> words;
            try { words = CommandLineWords.Split(line); }
            catch (CommandUsageException e)
            {
                Console.Error.WriteLine($"actorcdc: {e.Message}");
                continue;
            }
            if (words.Count == 0) continue;
            if (words is ["exit" or "quit"]) return Program.Succeeded;
            var json = options.Json;
            if (words.Remove("--json")) json = true;
            try
            {
                if (client.Parser.IsHelp(words, out var palette))
                {
                    Console.Write(palette is null ? "palettes (then '<palette> help'):\n" + client.Parser.Help() : CommandParser.Help(palette));
                    continue;
                }
                var request = client.Parse(words, json);
                using var cancel = new CancellationTokenSource();
                lock (_gate) _running = cancel;
                try { await Program.ExecuteAsync(client, request, cancel.Token); }
                finally { lock (_gate) _running = null; }
            }
            catch (CommandUsageException e)
            {
                Console.Error.WriteLine($"actorcdc: {e.Message}");
            }
            catch (CommandConnectionException e)
            {
                return Program.Error(e.Message);
            }
        }
    }

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true; // the shell stays
        lock (_gate)
        {
            if (_running is { IsCancellationRequested: false } running) running.Cancel();
            else Console.Error.WriteLine(" (no command running; type exit to quit)");
        }
    }
}
