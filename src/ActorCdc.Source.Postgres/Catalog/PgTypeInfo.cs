namespace ActorCdc.Source.Postgres.Catalog;

/// <summary>A column type as the catalog describes it: <c>format_type</c> text, <c>typtype</c>, and the element's <c>typtype</c> for arrays.</summary>
internal readonly record struct PgTypeInfo(string Name, char Kind, char ElementKind);
