using System.Text.Encodings.Web;
using System.Text.Json;
using ActorCdc.Core.Positions;
using ActorCdc.Sink.StarRocks.Json;

namespace ActorCdc.Sink.StarRocks.Loads;

/// <summary>
/// Rows that are loaded together: one column set (all columns, or for a partial update the key and the columns present),
/// a JSON array body in a pooled buffer, and the positions of its first and last rows, which name it in its label.
/// Reused from load to load.
/// </summary>
internal sealed class LoadGroup : IDisposable
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
        Indented = false,
    };

    public LoadGroup() => Writer = new Utf8JsonWriter(Body, WriterOptions);

    public SegmentedBuffer Body { get; } = new();
    public Utf8JsonWriter Writer { get; }

    /// <summary>Which loaded columns the rows carry (bit per <c>TargetTable.Columns</c> index); null for all of them.</summary>
    public ulong[]? Mask { get; private set; }

    /// <summary>The <c>columns</c> header of a partial update (key, present columns, <c>__op</c>); null for full rows.</summary>
    public string? Columns { get; private set; }

    /// <summary>Distinguishes the labels of groups that may start and end at the same positions (partial updates).</summary>
    public string? LabelVariant { get; private set; }

    public int Rows { get; private set; }
    public SourcePosition First { get; private set; }
    public SourcePosition Last { get; private set; }
    public bool IsOpen { get; private set; }

    /// <summary>Bytes of JSON so far.</summary>
    public long Bytes => Writer.BytesCommitted + Writer.BytesPending;

    public void Configure(ulong[]? mask, string? columns, string? labelVariant)
    {
        Mask = mask;
        Columns = columns;
        LabelVariant = labelVariant;
    }

    public bool HasMask(ReadOnlySpan<ulong> mask) => Mask is not null && mask.SequenceEqual(Mask);

    /// <summary>Opens the body on the first row and moves the last position.</summary>
    public void BeginRow(SourcePosition position)
    {
        if (!IsOpen)
        {
            Body.Reset();
            Writer.Reset(Body);
            Writer.WriteStartArray();
            IsOpen = true;
            Rows = 0;
            First = position;
        }
        Last = position;
    }

    public void EndRow() => Rows++;

    /// <summary>Closes the JSON array; the body is complete until the next <see cref="BeginRow"/>.</summary>
    public void Finish()
    {
        Writer.WriteEndArray();
        Writer.Flush();
        IsOpen = false;
    }

    public void Dispose()
    {
        Writer.Dispose();
        Body.Dispose();
    }
}
