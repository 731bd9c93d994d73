using System.Text.Encodings.Web;
using System.Text.Json;

namespace ActorCdc.Sink.StarRocks.Json;

/// <summary>One column of a load body: where its value sits in the source row, its JSON name and how it is encoded.</summary>
internal sealed class EncodedColumn
{
    public EncodedColumn(string name, int sourceIndex, bool isKey, ColumnEncoding encoding, ColumnEncoding elementEncoding = ColumnEncoding.String,
        int maxIntegerDigits = -1)
    {
        Name = name;
        JsonName = JsonEncodedText.Encode(name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        SourceIndex = sourceIndex;
        IsKey = isKey;
        Encoding = encoding;
        ElementEncoding = elementEncoding;
        MaxIntegerDigits = maxIntegerDigits;
    }

    public string Name { get; }
    public JsonEncodedText JsonName { get; }

    /// <summary>Index of the column in the source schema (and so in <c>RowChange.New</c>/<c>Old</c>).</summary>
    public int SourceIndex { get; }
    public bool IsKey { get; }
    public ColumnEncoding Encoding { get; }

    /// <summary>For <see cref="ColumnEncoding.Array"/>, how each element is encoded.</summary>
    public ColumnEncoding ElementEncoding { get; }

    /// <summary>For <see cref="ColumnEncoding.Decimal"/>, the most digits before the point the column holds; -1 unchecked.</summary>
    public int MaxIntegerDigits { get; }
}
