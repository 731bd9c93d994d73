using System.Text.Json;
using System.Text.Json.Serialization;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Core.Tests.Serialization;

/// <summary>
/// The general-purpose baseline for the hand-written encoding: System.Text.Json with a source-generated contract (its
/// fastest mode) over DTOs that mirror the change model, mapping included, since a real serializer would need it too.
/// </summary>
internal static class JsonBaseline
{
    public static byte[] Serialize(ChangeBatch batch)
    {
        var s = batch.Schema;
        var columns = new JsonColumn[s.Columns.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            var c = s.Columns[i];
            columns[i] = new JsonColumn(c.Name, c.TypeOid, c.TypeModifier, c.TypeName, c.TypeKind, c.IsKey, c.ElementTypeKind);
        }
        var changes = new JsonRowChange[batch.Changes.Count];
        for (var i = 0; i < changes.Length; i++)
        {
            var r = batch.Changes[i];
            changes[i] = new JsonRowChange((byte)r.Kind, r.Position.CommitLsn.Value, r.Position.Index, ToJson(r.New), ToJson(r.Old));
        }
        var dto = new JsonChangeBatch(
            new JsonTableSchema(s.Table.Schema, s.Table.Name, s.RelationId, (byte)s.ReplicaIdentity, columns),
            batch.ApproximateBytes,
            changes);
        return JsonSerializer.SerializeToUtf8Bytes(dto, JsonBaselineContext.Default.JsonChangeBatch);
    }

    public static ChangeBatch Deserialize(byte[] bytes)
    {
        var dto = JsonSerializer.Deserialize(bytes, JsonBaselineContext.Default.JsonChangeBatch)!;
        var columns = new ColumnSchema[dto.Schema.Columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            var c = dto.Schema.Columns[i];
            columns[i] = new ColumnSchema(c.Name, c.TypeOid, c.TypeModifier, c.TypeName, c.TypeKind, c.IsKey) { ElementTypeKind = c.ElementTypeKind };
        }
        var schema = new TableSchema(new TableId(dto.Schema.Schema, dto.Schema.Table), dto.Schema.RelationId, columns,
            (ReplicaIdentity)dto.Schema.ReplicaIdentity);
        var changes = new RowChange[dto.Changes.Length];
        for (var i = 0; i < changes.Length; i++)
        {
            var r = dto.Changes[i];
            changes[i] = new RowChange((ChangeKind)r.Kind, new SourcePosition(new Lsn(r.Lsn), r.Index), FromJson(r.New), FromJson(r.Old));
        }
        return new ChangeBatch(schema, changes, dto.ApproximateBytes);
    }

    private static JsonValue[]? ToJson(ColumnValue[]? values)
    {
        if (values is null) return null;
        var result = new JsonValue[values.Length];
        for (var i = 0; i < values.Length; i++) result[i] = new JsonValue((byte)values[i].Kind, values[i].Text);
        return result;
    }

    private static ColumnValue[]? FromJson(JsonValue[]? values)
    {
        if (values is null) return null;
        var result = new ColumnValue[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = (ValueKind)values[i].K switch
            {
                ValueKind.Text => ColumnValue.FromText(values[i].T!),
                ValueKind.Null => ColumnValue.Null,
                ValueKind.UnchangedToast => ColumnValue.UnchangedToast,
                _ => ColumnValue.Absent,
            };
        }
        return result;
    }
}

internal sealed record JsonChangeBatch(JsonTableSchema Schema, int ApproximateBytes, JsonRowChange[] Changes);

internal sealed record JsonTableSchema(string Schema, string Table, uint RelationId, byte ReplicaIdentity, JsonColumn[] Columns);

internal sealed record JsonColumn(string Name, uint TypeOid, int TypeModifier, string TypeName, char TypeKind, bool IsKey, char ElementTypeKind);

internal sealed record JsonRowChange(byte Kind, ulong Lsn, long Index, JsonValue[]? New, JsonValue[]? Old);

// One-letter names and omitted nulls: as compact as a reasonable JSON contract gets.
internal sealed record JsonValue(byte K, string? T);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JsonChangeBatch))]
internal sealed partial class JsonBaselineContext : JsonSerializerContext;
