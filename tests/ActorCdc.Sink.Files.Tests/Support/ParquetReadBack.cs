using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace ActorCdc.Sink.Files.Tests.Support;

/// <summary>One Parquet file read back whole: its fields and its rows as name → value (null for NULL).</summary>
public sealed class ParquetReadBack
{
    public required string Key { get; init; }
    public required IReadOnlyList<DataField> Fields { get; init; }
    public required IReadOnlyList<Dictionary<string, object?>> Rows { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    public DataField Field(string name) => Fields.Single(f => f.Name == name || f.Path.ToString() == name);

    public static async Task<ParquetReadBack> ReadAsync(string key, byte[] content)
    {
        using var stream = new MemoryStream(content);
        await using var reader = await ParquetReader.CreateAsync(stream, new ParquetOptions { UseDateOnlyTypeForDates = true, UseBigDecimal = true });
        var fields = reader.Schema.GetDataFields();
        var rows = new List<Dictionary<string, object?>>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var rowGroup = reader.OpenRowGroupReader(g);
            var n = (int)rowGroup.RowCount;
            var first = rows.Count;
            for (var i = 0; i < n; i++) rows.Add(new Dictionary<string, object?>(StringComparer.Ordinal));
            foreach (var field in fields)
            {
                var values = await ReadColumnAsync(rowGroup, field, n);
                var name = field.MaxRepetitionLevel > 0 ? field.Path.ToList()[0] : field.Name;
                for (var i = 0; i < n; i++) rows[first + i][name] = values[i];
            }
        }
        return new ParquetReadBack { Key = key, Fields = fields, Rows = rows, Metadata = reader.CustomMetadata };
    }

    private static async Task<object?[]> ReadColumnAsync(ParquetRowGroupReader rowGroup, DataField field, int n)
    {
        if (field.MaxRepetitionLevel > 0)
        {
            // The only repeated column is __unchanged_toast: a list of names, null when none.
            using var raw = (RawColumnData<ReadOnlyMemory<char>>)await rowGroup.ReadRawColumnDataBaseAsync(field, default);
            var result = new object?[n];
            var row = -1;
            var v = 0;
            for (var i = 0; i < raw.DefinitionLevels.Length; i++)
            {
                if (raw.RepetitionLevels[i] == 0) row++;
                if (raw.DefinitionLevels[i] == field.MaxDefinitionLevel)
                {
                    var list = (List<string>)(result[row] ??= new List<string>());
                    list.Add(raw.Values[v++].ToString());
                }
                else if (raw.DefinitionLevels[i] > 0)
                {
                    result[row] ??= new List<string>();
                }
            }
            return result;
        }
        var t = field.ClrType;
        if (t == typeof(ReadOnlyMemory<char>) || t == typeof(string))
        {
            var s = new string?[n];
            await rowGroup.ReadAsync(field, s.AsMemory());
            return s;
        }
        if (t == typeof(long)) return await Read<long>(rowGroup, field, n);
        if (t == typeof(int)) return await Read<int>(rowGroup, field, n);
        if (t == typeof(short)) return await Read<short>(rowGroup, field, n);
        if (t == typeof(bool)) return await Read<bool>(rowGroup, field, n);
        if (t == typeof(float)) return await Read<float>(rowGroup, field, n);
        if (t == typeof(double)) return await Read<double>(rowGroup, field, n);
        if (t == typeof(DateOnly)) return await Read<DateOnly>(rowGroup, field, n);
        if (t == typeof(DateTime)) return await Read<DateTime>(rowGroup, field, n);
        if (t == typeof(BigDecimal)) return await Read<BigDecimal>(rowGroup, field, n);
        throw new NotSupportedException($"column {field.Name} of type {t}");
    }

    private static async Task<object?[]> Read<T>(ParquetRowGroupReader rowGroup, DataField field, int n) where T : struct
    {
        var result = new object?[n];
        if (field.IsNullable)
        {
            var values = new T?[n];
            await rowGroup.ReadAsync<T>(field, values.AsMemory());
            for (var i = 0; i < n; i++) result[i] = values[i];
        }
        else
        {
            var values = new T[n];
            await rowGroup.ReadAsync<T>(field, values.AsMemory());
            for (var i = 0; i < n; i++) result[i] = values[i];
        }
        return result;
    }
}
