using System.Text;

namespace ActorCdc.Source.Postgres.Snapshots;

/// <summary>
/// Writes values into SQL text, for <c>COPY (query)</c>, which takes no bind parameters (DESIGN.md §3.5).
/// </summary>
internal static class SqlLiteral
{
    /// <summary>
    /// Appends <c>E'value'::type</c>. An escape string reads the same whatever <c>standard_conforming_strings</c> says:
    /// every backslash and quote is doubled, so no escape sequence (<c>\'</c>, <c>\x</c>, <c>\u</c>) can form.
    /// </summary>
    public static void Append(StringBuilder sql, string value, string typeName)
    {
        Append(sql, value);
        sql.Append("::").Append(typeName);
    }

    /// <summary>Appends <c>E'value'</c>, a string constant without a cast (for SET TRANSACTION SNAPSHOT).</summary>
    public static void Append(StringBuilder sql, string value)
    {
        sql.Append("E'");
        foreach (var ch in value)
        {
            switch (ch)
            {
                case '\'':
                    sql.Append("''");
                    break;
                case '\\':
                    sql.Append(@"\\");
                    break;
                case '\0':
                    throw new ArgumentException("PostgreSQL text cannot contain a NUL character, so no key value can either.", nameof(value));
                default:
                    sql.Append(ch);
                    break;
            }
        }
        sql.Append('\'');
    }

    /// <summary>The cast literal alone.</summary>
    public static string Quote(string value, string typeName)
    {
        var sql = new StringBuilder(value.Length + typeName.Length + 8);
        Append(sql, value, typeName);
        return sql.ToString();
    }

    /// <summary>The string constant alone.</summary>
    public static string Quote(string value)
    {
        var sql = new StringBuilder(value.Length + 4);
        Append(sql, value);
        return sql.ToString();
    }
}
