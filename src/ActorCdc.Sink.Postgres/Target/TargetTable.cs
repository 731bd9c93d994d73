using ActorCdc.Core.Schema;
using ActorCdc.Sink.Postgres.Writing;

namespace ActorCdc.Sink.Postgres.Target;

/// <summary>
/// A target table as ensured for one schema version: every column of the schema exists in it, with the type the
/// target declares (<c>format_type</c>), in schema column order.
/// </summary>
internal sealed class TargetTable
{
    private KeyedStatements? _statements;
    private UnnestStatements? _unnestStatements;

    public TargetTable(TableId id, TableSchema schema, string[] columnTypes, string[] baseTypes)
    {
        Id = id;
        Schema = schema;
        ColumnTypes = columnTypes;
        BaseTypes = baseTypes;
        QuotedName = id.Quoted;
        QuotedColumns = new string[schema.Columns.Count];
        for (var i = 0; i < QuotedColumns.Length; i++) QuotedColumns[i] = TableId.QuoteIdent(schema.Columns[i].Name);
    }

    public TableId Id { get; }
    public TableSchema Schema { get; }
    public string QuotedName { get; }

    /// <summary>Quoted column names, in schema column order.</summary>
    public string[] QuotedColumns { get; }

    /// <summary>The target's type of each schema column, as <c>format_type</c> prints it.</summary>
    public string[] ColumnTypes { get; }

    /// <summary>
    /// The same types without modifiers (<c>numeric</c> for <c>numeric(12,2)</c>, <c>bpchar</c> for <c>character(5)</c>, as
    /// <c>format_type(oid, -1)</c> prints them): casting to them leaves the modifier to assignment, which rejects what does
    /// not fit where an explicit cast to varchar(n) would truncate.
    /// </summary>
    public string[] BaseTypes { get; }

    public int ColumnCount => QuotedColumns.Length;
    public int[] KeyIndexes => Schema.KeyIndexes;

    /// <summary>SQL of the staging-table and multi-row paths, built once per table version.</summary>
    public KeyedStatements Statements => _statements ??= new KeyedStatements(this);

    /// <summary>SQL of the unnest path, built once per table version.</summary>
    public UnnestStatements UnnestStatements => _unnestStatements ??= new UnnestStatements(this);
}
