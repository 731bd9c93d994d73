using System.Text.Json;
using ActorCdc.StarRocksDouble.Catalog;
using ActorCdc.StarRocksDouble.MySql;

namespace ActorCdc.StarRocksDouble.Loads;

/// <summary>
/// Reads a JSON Stream Load body as StarRocks does: <c>strip_outer_array</c>, fields matched to columns by name (or
/// through the <c>columns</c> header), <c>__op</c> 0/1 from the JSON (or <c>__op='delete'</c> in <c>columns</c>),
/// partial updates of the listed columns, conversion to column types; rows with NULL keys, NULL in NOT NULL columns,
/// values too long or (strict mode) not convertible are filtered with an error line.
/// </summary>
internal static class JsonLoadParser
{
    /// <summary>The outcome: rows, counts and error lines, or a message failing the whole load.</summary>
    public sealed record Result(List<ParsedRow> Rows, long Total, long Filtered, List<string> Errors, string? Failure);

    public static Result Parse(DoubleTable table, IReadOnlyDictionary<string, string> headers, ReadOnlyMemory<byte> body, long maxJsonBytes)
    {
        string? H(string name) => headers.TryGetValue(name, out var v) ? v : null;
        var rows = new List<ParsedRow>();
        var errors = new List<string>();
        Result Fail(string message) => new(rows, 0, 0, errors, message);

        var format = H("format") ?? "csv";
        if (!string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
            return Fail($"The StarRocks double only loads format=json, not format={format}");
        if (body.Length > maxJsonBytes && !string.Equals(H("ignore_json_size"), "true", StringComparison.OrdinalIgnoreCase))
            return Fail($"The size of this batch exceed the max size [{maxJsonBytes}] of json type data data [ {body.Length} ]. Set ignore_json_size to skip the check, although it may lead huge memory consuming.");
        var partial = string.Equals(H("partial_update"), "true", StringComparison.OrdinalIgnoreCase);
        if (partial && !string.Equals(table.Properties.GetValueOrDefault("model"), "PRIMARY", StringComparison.OrdinalIgnoreCase))
            return Fail("Only primary key table support partial update");
        var strict = string.Equals(H("strict_mode"), "true", StringComparison.OrdinalIgnoreCase);

        // The columns header: plain names pick JSON fields, __op='delete' / 'upsert' / 0 / 1 sets the operation.
        List<string>? listed = null;
        bool? constantDelete = null;
        var opFromJson = true;
        if (H("columns") is { } columnsHeader)
        {
            listed = [];
            opFromJson = false;
            foreach (var item in SqlInterpreter.SplitTopLevel(columnsHeader))
            {
                var eq = item.IndexOf('=');
                var name = SqlInterpreter.Unquote((eq < 0 ? item : item[..eq]).Trim());
                if (string.Equals(name, "__op", StringComparison.OrdinalIgnoreCase))
                {
                    if (eq < 0) { opFromJson = true; continue; }
                    var expr = item[(eq + 1)..].Trim().Trim('\'', '"').ToLowerInvariant();
                    constantDelete = expr is "delete" or "1";
                    continue;
                }
                if (eq >= 0) return Fail($"The StarRocks double does not evaluate column expressions: {item}");
                if (table.Column(name) is null) return Fail($"Unknown column '{name}' in '{table.Name}'");
                listed.Add(table.Column(name)!.Name);
            }
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            return Fail($"Failed to parse json: {e.Message}");
        }
        using (doc)
        {
            var strip = string.Equals(H("strip_outer_array"), "true", StringComparison.OrdinalIgnoreCase);
            List<JsonElement> items;
            if (strip)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Array) return Fail("JSON data is an object, strip_outer_array must be set false");
                items = doc.RootElement.EnumerateArray().ToList();
            }
            else
            {
                if (doc.RootElement.ValueKind == JsonValueKind.Array) return Fail("JSON data is an array, strip_outer_array must be set true");
                items = [doc.RootElement];
            }

            long filtered = 0;
            foreach (var item in items)
            {
                var problem = Row(table, item, listed, partial, strict, opFromJson, constantDelete, out var row);
                if (problem is null)
                {
                    rows.Add(row!);
                    continue;
                }
                filtered++;
                if (errors.Count < 100) errors.Add($"Error: {problem}. Row: {Cut(item.GetRawText())}");
            }
            return new Result(rows, items.Count, filtered, errors, null);
        }
    }

    private static string? Row(DoubleTable table, JsonElement item, List<string>? listed, bool partial, bool strict, bool opFromJson, bool? constantDelete,
        out ParsedRow? row)
    {
        row = null;
        if (item.ValueKind != JsonValueKind.Object) return "Value count does not match column count. Expect an object";
        var columns = table.Columns;
        var fields = new JsonElement[columns.Count];
        var found = new bool[columns.Count];
        var delete = constantDelete ?? false;
        foreach (var p in item.EnumerateObject())
        {
            if (opFromJson && p.NameEquals("__op"))
            {
                var text = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText();
                bool? parsed = text switch
                {
                    "1" or "delete" => true,
                    "0" or "upsert" => false,
                    _ => null,
                };
                if (parsed is null) return $"invalid __op value {text}, expected 0 (upsert) or 1 (delete)";
                delete = parsed.Value;
                continue;
            }
            for (var i = 0; i < columns.Count; i++)
            {
                if (!string.Equals(columns[i].Name, p.Name, StringComparison.OrdinalIgnoreCase)) continue;
                // Columns not listed in a columns header are not read from the JSON.
                if (listed is null || columns[i].IsKey || listed.Contains(columns[i].Name, StringComparer.OrdinalIgnoreCase))
                {
                    fields[i] = p.Value;
                    found[i] = true;
                }
                break;
            }
        }

        var values = new string?[columns.Count];
        List<int>? set = !delete && partial && listed is not null ? [] : null;
        for (var i = 0; i < columns.Count; i++)
        {
            var column = columns[i];
            var wanted = delete ? column.IsKey : listed is null || column.IsKey || listed.Contains(column.Name, StringComparer.OrdinalIgnoreCase);
            if (!wanted) continue;
            if (set is not null && !column.IsKey) set.Add(i);
            string? stored = null;
            if (found[i])
            {
                if (!column.Type.TryConvert(fields[i], out stored, out var problem))
                {
                    if (problem is not null && problem.StartsWith("the length", StringComparison.Ordinal)) return $"column {column.Name}: {problem}";
                    if (strict) return $"column {column.Name}: {problem}";
                    stored = null;
                }
            }
            else if (column.Default is not null)
            {
                stored = column.Default;
            }
            if (stored is null && (column.IsKey || !column.Nullable && !delete))
                return $"NULL value in non-nullable column '{column.Name}'";
            values[i] = stored;
        }
        if (!delete && !partial)
            for (var i = 0; i < columns.Count; i++)
                if (values[i] is null && !found[i]) values[i] = columns[i].Default;
        row = new ParsedRow(delete, values, table.Shape, set?.ToArray());
        return null;
    }

    private static string Cut(string s) => s.Length > 200 ? s[..200] + "..." : s;
}
