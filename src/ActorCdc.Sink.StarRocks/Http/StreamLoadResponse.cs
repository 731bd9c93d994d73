using System.Globalization;
using System.Text.Json;

namespace ActorCdc.Sink.StarRocks.Http;

/// <summary>
/// A StarRocks HTTP answer read leniently: property names case-insensitive, unknown ones ignored, numbers given as
/// numbers or strings (BE <c>_stream_load</c>, FE <c>FAILED</c> shape, transaction ops, <c>get_load_state</c>).
/// </summary>
internal sealed class StreamLoadResponse
{
    public string? Status { get; private init; }
    public string? Message { get; private init; }
    public string? Label { get; private init; }
    public string? ExistingJobStatus { get; private init; }
    public string? ErrorUrl { get; private init; }

    /// <summary>The <c>state</c> of <c>get_load_state</c>: UNKNOWN, PREPARE, PREPARED, COMMITTED, VISIBLE, ABORTED.</summary>
    public string? State { get; private init; }

    public long TxnId { get; private init; } = -1;
    public long NumberTotalRows { get; private init; }
    public long NumberLoadedRows { get; private init; }
    public long NumberFilteredRows { get; private init; }
    public long LoadBytes { get; private init; }

    /// <summary>The body as received (for messages), cut to a readable length.</summary>
    public string Raw { get; private init; } = "";

    public bool IsJson { get; private init; }

    public static StreamLoadResponse Parse(byte[] body)
    {
        var raw = System.Text.Encoding.UTF8.GetString(body);
        if (raw.Length > 2000) raw = raw[..2000] + "...";
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return new StreamLoadResponse { Raw = raw };
            string? status = null, message = null, msg = null, label = null, existing = null, errorUrl = null, state = null;
            long txnId = -1, total = 0, loaded = 0, filtered = 0, bytes = 0;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                switch (p.Name.ToLowerInvariant())
                {
                    case "status": status = Text(p.Value); break;
                    case "message": message = Text(p.Value); break;
                    case "msg": msg = Text(p.Value); break;
                    case "label": label = Text(p.Value); break;
                    case "existingjobstatus": existing = Text(p.Value); break;
                    case "errorurl": errorUrl = Text(p.Value); break;
                    case "state": state = Text(p.Value); break;
                    case "txnid": txnId = Number(p.Value, -1); break;
                    case "numbertotalrows": total = Number(p.Value, 0); break;
                    case "numberloadedrows": loaded = Number(p.Value, 0); break;
                    case "numberfilteredrows": filtered = Number(p.Value, 0); break;
                    case "loadbytes": bytes = Number(p.Value, 0); break;
                }
            }
            return new StreamLoadResponse
            {
                Status = status,
                Message = message ?? msg,
                Label = label,
                ExistingJobStatus = existing,
                ErrorUrl = errorUrl,
                State = state,
                TxnId = txnId,
                NumberTotalRows = total,
                NumberLoadedRows = loaded,
                NumberFilteredRows = filtered,
                LoadBytes = bytes,
                Raw = raw,
                IsJson = true,
            };
        }
        catch (JsonException)
        {
            return new StreamLoadResponse { Raw = raw };
        }
    }

    public bool StatusIs(string expected) => string.Equals(Status, expected, StringComparison.OrdinalIgnoreCase);

    public bool MessageContains(string part) => Message?.Contains(part, StringComparison.OrdinalIgnoreCase) == true;

    public override string ToString() => IsJson ? $"Status={Status}, Message={Message}" : Raw;

    private static string? Text(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => e.GetRawText(),
    };

    private static long Number(JsonElement e, long fallback) => e.ValueKind switch
    {
        JsonValueKind.Number when e.TryGetInt64(out var v) => v,
        JsonValueKind.String when long.TryParse(e.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) => v,
        _ => fallback,
    };
}
