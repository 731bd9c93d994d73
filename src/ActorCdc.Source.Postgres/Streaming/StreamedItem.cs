using ActorCdc.Core.Changes;
using ActorCdc.Core.Schema;

namespace ActorCdc.Source.Postgres.Streaming;

/// <summary>One buffered entry of an in-progress streamed transaction: a row change, or a transactional message.</summary>
internal readonly struct StreamedItem
{
    public StreamedItem(TableSchema schema, ChangeKind kind, ColumnValue[]? @new, ColumnValue[]? old)
    {
        Schema = schema;
        Kind = kind;
        New = @new;
        Old = old;
        Message = null;
    }

    public StreamedItem(LogicalMessage message)
    {
        Schema = null;
        Kind = 0;
        New = null;
        Old = null;
        Message = message;
    }

    public TableSchema? Schema { get; }
    public ChangeKind Kind { get; }
    public ColumnValue[]? New { get; }
    public ColumnValue[]? Old { get; }
    public LogicalMessage? Message { get; }

    /// <summary>Rough managed-heap footprint, for the streaming memory budget.</summary>
    public long EstimateBytes()
    {
        long n = 64;
        if (Message is not null) return n + Message.Content.Length + Message.Prefix.Length * 2L;
        n += Estimate(New) + Estimate(Old);
        return n;
    }

    private static long Estimate(ColumnValue[]? values)
    {
        if (values is null) return 0;
        long n = 24 + values.Length * 16L;
        foreach (var v in values)
            if (v.Text is { } text) n += 24 + text.Length * 2L;
        return n;
    }
}
