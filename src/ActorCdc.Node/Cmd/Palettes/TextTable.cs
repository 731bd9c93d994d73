using System.Text;

namespace ActorCdc.Node.Cmd.Palettes;

/// <summary>Renders rows as a plain-text table with aligned columns under a header, for the human form of command output.</summary>
public static class TextTable
{
    /// <summary>Each column is as wide as its widest cell; columns are two spaces apart; lines end with a newline.</summary>
    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers };
        all.AddRange(rows);
        var widths = new int[headers.Count];
        foreach (var row in all)
            for (var i = 0; i < widths.Length && i < row.Count; i++)
                widths[i] = Math.Max(widths[i], row[i].Length);
        var sb = new StringBuilder();
        foreach (var row in all)
        {
            var line = new StringBuilder();
            for (var i = 0; i < widths.Length; i++)
            {
                var cell = i < row.Count ? row[i] : "";
                line.Append(i == widths.Length - 1 ? cell : cell.PadRight(widths[i] + 2));
            }
            sb.Append(line.ToString().TrimEnd()).Append('\n');
        }
        return sb.ToString();
    }
}
