using ActorCdc.Cmd.Hosting;
using ActorCdc.Cmd.Palettes;

namespace ActorCdc.Cli;

/// <summary>The program's own options (before the palette name) and the command words after them.</summary>
internal sealed record CliOptions(string Host, int Port, string? Token, bool Json, bool Interactive, bool Help, bool Version, IReadOnlyList<string> Words)
{
    public const string Usage = """
        usage: actorcdc [--host <host:port>] [--token <token>] [--json] <palette> <command> [arguments]
               actorcdc [--host <host:port>] [--token <token>] [-i]   (interactive: type commands at a prompt)
          --host    the node's command host, actorcdc.cmd.host:port (default 127.0.0.1:9110)
          --token   the node's actorcdc.cmd.token (default: the ACTORCDC_TOKEN environment variable)
          --json    commands answer in JSON instead of tables
          -i        interactive mode on one connection; Ctrl+C cancels the running command, exit quits
          actorcdc <palette> help   lists a palette's commands and their arguments
        exit codes: 0 done, 1 the node carried the command out and it failed, 2 usage or connection error
        """;

    /// <exception cref="CommandUsageException">an unknown option or a bad --host.</exception>
    public static CliOptions Parse(IReadOnlyList<string> args, string? environmentToken)
    {
        string host = "127.0.0.1";
        var port = CommandHostSettings.DefaultPort;
        var token = string.IsNullOrEmpty(environmentToken) ? null : environmentToken;
        bool json = false, interactive = false, help = false, version = false;
        var i = 0;
        for (; i < args.Count && args[i].StartsWith('-'); i++)
        {
            var arg = args[i];
            var eq = arg.IndexOf('=');
            var name = eq > 0 ? arg[..eq] : arg;
            string Value()
            {
                if (eq > 0) return arg[(eq + 1)..];
                if (i + 1 >= args.Count) throw new CommandUsageException($"option {name} needs a value; see actorcdc --help");
                return args[++i];
            }
            switch (name)
            {
                case "--host": (host, port) = ParseHost(Value()); break;
                case "--token": token = Value(); break;
                case "--json": json = true; break;
                case "-i" or "--interactive": interactive = true; break;
                case "-h" or "--help" or "-?": help = true; break;
                case "--version": version = true; break;
                default: throw new CommandUsageException($"unknown option '{name}'; options: --host, --token, --json, -i, --help");
            }
        }
        // --json belongs to the program, but operators type it after the command too (actorcdc cdc status --json).
        var words = new List<string>();
        for (; i < args.Count; i++)
        {
            if (args[i] == "--json") json = true;
            else words.Add(args[i]);
        }
        return new CliOptions(host, port, token, json, interactive || (words.Count == 0 && !help && !version), help, version, words);
    }

    /// <summary><c>host</c>, <c>host:port</c>, <c>[v6]:port</c> or <c>v6</c>; the port defaults to 9110.</summary>
    public static (string Host, int Port) ParseHost(string text)
    {
        string host = text, portText = "";
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0) throw new CommandUsageException($"--host '{text}': expected [address]:port");
            host = text[1..close];
            if (close + 1 < text.Length)
            {
                if (text[close + 1] != ':') throw new CommandUsageException($"--host '{text}': expected [address]:port");
                portText = text[(close + 2)..];
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            var colon = text.IndexOf(':');
            host = text[..colon];
            portText = text[(colon + 1)..];
        }
        if (host.Length == 0) throw new CommandUsageException($"--host '{text}': expected host:port such as 127.0.0.1:9110");
        var port = CommandHostSettings.DefaultPort;
        if (portText.Length > 0 && (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
            throw new CommandUsageException($"--host '{text}': the port must be a number between 1 and 65535");
        return (host, port);
    }
}
