using System.Text;
using System.Text.RegularExpressions;

namespace ActorCdc.Engine.Configuration;

/// <summary>
/// Resolves <c>${VAR}</c> and <c>${?VAR}</c> against environment variables before a configuration file is parsed:
/// Akka's HOCON parser does not read the environment (an unresolved <c>${?VAR}</c> becomes an empty value). Only
/// upper-case names (<c>[A-Z_][A-Z0-9_]*</c>) are environment references; other substitutions are left to HOCON.
/// </summary>
public static partial class EnvironmentSubstitution
{
    public static string Apply(string hocon, Func<string, string?>? lookup = null)
    {
        lookup ??= Environment.GetEnvironmentVariable;
        return Reference().Replace(hocon, m =>
        {
            var optional = m.Groups[1].Success;
            var name = m.Groups[2].Value;
            var value = lookup(name);
            if (value is not null) return Quote(value);
            if (optional) return "\"\"";
            throw new SettingsException("${" + name + "}", null, $"the environment variable {name} to be set (use ${{?{name}}} to make it optional)");
        });
    }

    /// <summary>A HOCON quoted string, so values with spaces, quotes or braces stay one value.</summary>
    private static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }

    [GeneratedRegex(@"\$\{(\?)?([A-Z_][A-Z0-9_]*)\}")]
    private static partial Regex Reference();
}
