namespace ActorCdc.Core.Schema;

/// <summary>A schema-qualified table name, unquoted.</summary>
public sealed record TableId(string Schema, string Name) : IComparable<TableId>
{
    /// <summary>The identifier as SQL, each part quoted: <c>"public"."orders"</c>.</summary>
    public string Quoted => $"{QuoteIdent(Schema)}.{QuoteIdent(Name)}";

    public override string ToString() => $"{Schema}.{Name}";

    public int CompareTo(TableId? other)
    {
        if (other is null) return 1;
        var c = string.CompareOrdinal(Schema, other.Schema);
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }

    /// <summary>Parses <c>schema.table</c>; a name without a schema is in <c>public</c>.</summary>
    public static TableId Parse(string text)
    {
        var dot = text.IndexOf('.');
        return dot < 0 ? new TableId("public", text) : new TableId(text[..dot], text[(dot + 1)..]);
    }

    /// <summary>Quotes an identifier the way PostgreSQL's quote_ident does when quoting is needed.</summary>
    public static string QuoteIdent(string ident) => "\"" + ident.Replace("\"", "\"\"") + "\"";
}
