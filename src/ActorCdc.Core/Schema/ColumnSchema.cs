namespace ActorCdc.Core.Schema;

/// <summary>
/// One column as the source describes it: name, type OID and modifier from pgoutput, the SQL type as
/// <c>format_type</c> prints it, the type's kind (<c>b</c> base, <c>e</c> enum, <c>d</c> domain, ...) and
/// whether it is part of the key (replica identity).
/// </summary>
public sealed record ColumnSchema(string Name, uint TypeOid, int TypeModifier, string TypeName, char TypeKind, bool IsKey)
{
    /// <summary>For arrays, the element type's kind; <c>'\0'</c> otherwise.</summary>
    public char ElementTypeKind { get; init; }
}
