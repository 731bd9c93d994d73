using ActorCdc.Sink.StarRocks.Json;

namespace ActorCdc.Sink.StarRocks.Http;

/// <summary>
/// One Stream Load: target, label, JSON body (an array of row objects with <c>__op</c>), and for partial updates the
/// <c>columns</c> header listing the columns present.
/// </summary>
internal sealed record LoadRequest(string Database, string Table, string Label, SegmentedBuffer Body, int Rows, string? Columns)
{
    public bool PartialUpdate => Columns is not null;
}
