using ActorCdc.Core.Schema;

namespace ActorCdc.Sink.Postgres.Target;

/// <summary>
/// Chooses the column type of a created target table. Enums, domains and composites (and arrays of them) become text
/// or text[]: the type may not exist in the sink database, and their text rendering is identical.
/// </summary>
internal static class TargetTypeMapping
{
    /// <summary>The type to use regardless of the target database, or null when the source type can be kept if it exists there.</summary>
    public static string? Fixed(ColumnSchema column)
    {
        if (IsUserDefinedKind(column.TypeKind)) return "text";
        if (column.ElementTypeKind != '\0' && IsUserDefinedKind(column.ElementTypeKind)) return "text[]";
        return null;
    }

    /// <summary>The type to use when the source type does not exist in the target database (an extension type, say).</summary>
    public static string Fallback(ColumnSchema column) =>
        column.ElementTypeKind != '\0' || column.TypeName.EndsWith("[]", StringComparison.Ordinal) ? "text[]" : "text";

    private static bool IsUserDefinedKind(char kind) => kind is 'e' or 'd' or 'c' or 'p';
}
