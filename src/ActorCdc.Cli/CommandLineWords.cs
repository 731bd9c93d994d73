using System.Text;
using ActorCdc.Cmd.Palettes;

namespace ActorCdc.Cli;

/// <summary>Splits a line typed in interactive mode into words as a shell would: blanks separate, quotes group.</summary>
internal static class CommandLineWords
{
    /// <exception cref="CommandUsageException">a quote is not closed.</exception>
    public static List<string> Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else if (c == '\\' && quote == '"' && i + 1 < line.Length && line[i + 1] is '"' or '\\') word.Append(line[++i]);
                else word.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (quote != '\0') throw new CommandUsageException($"unclosed {quote} quote");
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
