using System.Text;

namespace ActorCdc.Sink.StarRocks.Ddl;

/// <summary>Quoting for StarRocks SQL (MySQL dialect): backticked identifiers, backslash-escaped string literals.</summary>
internal static class Sql
{
    public static string Ident(string name) => "`" + name.Replace("`", "``", StringComparison.Ordinal) + "`";

    public static string Table(string database, string table) => Ident(database) + "." + Ident(table);

    public static string Literal(string value, char quote = '\'')
    {
        var sb = new StringBuilder(value.Length + 2).Append(quote);
        foreach (var ch in value)
        {
            if (ch == '\\' || ch == quote) sb.Append('\\');
            sb.Append(ch);
        }
        return sb.Append(quote).ToString();
    }
}
