using System.Diagnostics.CodeAnalysis;
using System.Runtime.Serialization;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Core.Serialization;

/// <summary>
/// Binary encoding of the change model (positions, schemas, values, rows, batches), shared by every ActorCdc serializer
/// that embeds them. Carries no version byte: the enclosing payload's version covers it.
/// </summary>
/// <remarks>
/// Wire format, version 1 (varint = LEB128, svarint = zigzag LEB128, string = varint byte length + UTF-8):
/// <code>
/// Lsn            fixed u64 little-endian
/// SourcePosition Lsn, svarint index
/// TableId        string schema, string name
/// ColumnSchema   string name, varint type OID, svarint type modifier, string type name, varint type kind,
///                bool is-key, varint element type kind
/// TableSchema    TableId, varint relation id, byte replica identity, varint count, ColumnSchema*
/// ColumnValue    byte ValueKind, then string when Text
/// values         varint 0 for none, else count + 1, then ColumnValue*
/// RowChange      SourcePosition, byte ChangeKind, values new, values old
/// ChangeBatch    TableSchema (once), svarint approximate bytes, varint count, then per row:
///                svarint LSN delta from the previous row (the first from 0), svarint index (delta from the previous
///                row's index when the LSN delta is 0, else absolute), byte ChangeKind, values new, values old
/// </code>
/// </remarks>
public static class ChangeCodec
{
    // Smallest encodings, used to reject corrupt counts before allocating for them.
    private const int MinColumnSchemaBytes = 7;
    private const int MinBatchRowBytes = 5;

    public static void WriteLsn(ref CdcBinaryWriter writer, Lsn lsn) => writer.WriteFixedUInt64(lsn.Value);

    public static Lsn ReadLsn(ref CdcBinaryReader reader) => new(reader.ReadFixedUInt64());

    public static void WriteSourcePosition(ref CdcBinaryWriter writer, SourcePosition position)
    {
        writer.WriteFixedUInt64(position.CommitLsn.Value);
        writer.WriteVarInt64(position.Index);
    }

    public static SourcePosition ReadSourcePosition(ref CdcBinaryReader reader)
    {
        var lsn = new Lsn(reader.ReadFixedUInt64());
        return new SourcePosition(lsn, reader.ReadVarInt64());
    }

    public static void WriteTableId(ref CdcBinaryWriter writer, TableId table)
    {
        writer.WriteString(table.Schema);
        writer.WriteString(table.Name);
    }

    public static TableId ReadTableId(ref CdcBinaryReader reader)
    {
        var schema = reader.ReadString();
        return new TableId(schema, reader.ReadString());
    }

    public static void WriteColumnSchema(ref CdcBinaryWriter writer, ColumnSchema column)
    {
        writer.WriteString(column.Name);
        writer.WriteVarUInt32(column.TypeOid);
        writer.WriteVarInt32(column.TypeModifier);
        writer.WriteString(column.TypeName);
        writer.WriteVarUInt32(column.TypeKind);
        writer.WriteBoolean(column.IsKey);
        writer.WriteVarUInt32(column.ElementTypeKind);
    }

    public static ColumnSchema ReadColumnSchema(ref CdcBinaryReader reader)
    {
        var name = reader.ReadString();
        var typeOid = reader.ReadVarUInt32();
        var typeModifier = reader.ReadVarInt32();
        var typeName = reader.ReadString();
        var typeKind = ReadChar(ref reader);
        var isKey = reader.ReadBoolean();
        var elementTypeKind = ReadChar(ref reader);
        return new ColumnSchema(name, typeOid, typeModifier, typeName, typeKind, isKey) { ElementTypeKind = elementTypeKind };
    }

    public static void WriteTableSchema(ref CdcBinaryWriter writer, TableSchema schema)
    {
        WriteTableId(ref writer, schema.Table);
        writer.WriteVarUInt32(schema.RelationId);
        writer.WriteByte((byte)schema.ReplicaIdentity);
        var columns = schema.Columns;
        writer.WriteVarUInt32((uint)columns.Count);
        for (var i = 0; i < columns.Count; i++) WriteColumnSchema(ref writer, columns[i]);
    }

    public static TableSchema ReadTableSchema(ref CdcBinaryReader reader)
    {
        var table = ReadTableId(ref reader);
        var relationId = reader.ReadVarUInt32();
        var identity = reader.ReadByte();
        if (identity is not ((byte)ReplicaIdentity.Default or (byte)ReplicaIdentity.Nothing or (byte)ReplicaIdentity.Full
            or (byte)ReplicaIdentity.Index))
            ThrowMalformed($"replica identity '{(char)identity}' (0x{identity:X2}) is not one of d, n, f, i");
        var columns = new ColumnSchema[reader.ReadCount(MinColumnSchemaBytes)];
        for (var i = 0; i < columns.Length; i++) columns[i] = ReadColumnSchema(ref reader);
        return new TableSchema(table, relationId, columns, (ReplicaIdentity)identity);
    }

    public static void WriteColumnValue(ref CdcBinaryWriter writer, ColumnValue value)
    {
        writer.WriteByte((byte)value.Kind);
        if (value.Kind == ValueKind.Text) writer.WriteString(value.Text!);
    }

    public static ColumnValue ReadColumnValue(ref CdcBinaryReader reader)
    {
        var kind = reader.ReadByte();
        switch ((ValueKind)kind)
        {
            case ValueKind.Text: return ColumnValue.FromText(reader.ReadString());
            case ValueKind.Null: return ColumnValue.Null;
            case ValueKind.UnchangedToast: return ColumnValue.UnchangedToast;
            case ValueKind.Absent: return ColumnValue.Absent;
            default:
                ThrowMalformed($"value kind {kind} is unknown");
                return default;
        }
    }

    public static void WriteRowChange(ref CdcBinaryWriter writer, RowChange change)
    {
        WriteSourcePosition(ref writer, change.Position);
        WriteRowBody(ref writer, change);
    }

    public static RowChange ReadRowChange(ref CdcBinaryReader reader)
    {
        var position = ReadSourcePosition(ref reader);
        return ReadRowBody(ref reader, position);
    }

    /// <summary>Writes the batch with its schema once and each row's position as a delta from the previous row's.</summary>
    public static void WriteChangeBatch(ref CdcBinaryWriter writer, ChangeBatch batch)
    {
        WriteTableSchema(ref writer, batch.Schema);
        writer.WriteVarInt32(batch.ApproximateBytes);
        var changes = batch.Changes;
        var count = changes.Count;
        writer.WriteVarUInt32((uint)count);
        var previous = new SourcePosition(Lsn.Zero, 0);
        for (var i = 0; i < count; i++)
        {
            var change = changes[i];
            var position = change.Position;
            // Rows of one transaction share the commit LSN and count up: two one-byte deltas instead of 9+ bytes.
            var lsnDelta = unchecked((long)(position.CommitLsn.Value - previous.CommitLsn.Value));
            writer.WriteVarInt64(lsnDelta);
            writer.WriteVarInt64(lsnDelta == 0 ? unchecked(position.Index - previous.Index) : position.Index);
            WriteRowBody(ref writer, change);
            previous = position;
        }
    }

    public static ChangeBatch ReadChangeBatch(ref CdcBinaryReader reader)
    {
        var schema = ReadTableSchema(ref reader);
        var approximateBytes = reader.ReadVarInt32();
        var count = reader.ReadCount(MinBatchRowBytes);
        if (count == 0) ThrowMalformed("a change batch holds no change");
        var changes = new RowChange[count];
        var previous = new SourcePosition(Lsn.Zero, 0);
        for (var i = 0; i < changes.Length; i++)
        {
            var lsnDelta = reader.ReadVarInt64();
            var indexOrDelta = reader.ReadVarInt64();
            var position = lsnDelta == 0
                ? new SourcePosition(previous.CommitLsn, unchecked(previous.Index + indexOrDelta))
                : new SourcePosition(new Lsn(unchecked(previous.CommitLsn.Value + (ulong)lsnDelta)), indexOrDelta);
            changes[i] = ReadRowBody(ref reader, position);
            previous = position;
        }
        return new ChangeBatch(schema, changes, approximateBytes);
    }

    private static void WriteRowBody(ref CdcBinaryWriter writer, RowChange change)
    {
        writer.WriteByte((byte)change.Kind);
        WriteValues(ref writer, change.New);
        WriteValues(ref writer, change.Old);
    }

    private static RowChange ReadRowBody(ref CdcBinaryReader reader, SourcePosition position)
    {
        var kind = reader.ReadByte();
        if (kind is < (byte)ChangeKind.Insert or > (byte)ChangeKind.Truncate) ThrowMalformed($"change kind {kind} is unknown");
        var @new = ReadValues(ref reader);
        var old = ReadValues(ref reader);
        return new RowChange((ChangeKind)kind, position, @new, old);
    }

    private static void WriteValues(ref CdcBinaryWriter writer, ColumnValue[]? values)
    {
        if (values is null)
        {
            writer.WriteByte(0);
            return;
        }
        writer.WriteVarUInt32((uint)values.Length + 1);
        for (var i = 0; i < values.Length; i++) WriteColumnValue(ref writer, values[i]);
    }

    private static ColumnValue[]? ReadValues(ref CdcBinaryReader reader)
    {
        var marker = reader.ReadVarUInt32();
        if (marker == 0) return null;
        var count = marker - 1;
        if (count > (uint)reader.Remaining) ThrowMalformed($"a row of {count} values does not fit in the {reader.Remaining} bytes left");
        var values = count == 0 ? [] : new ColumnValue[count];
        for (var i = 0; i < values.Length; i++) values[i] = ReadColumnValue(ref reader);
        return values;
    }

    private static char ReadChar(ref CdcBinaryReader reader)
    {
        var value = reader.ReadVarUInt32();
        if (value > char.MaxValue) ThrowMalformed($"character code {value} is out of range");
        return (char)value;
    }

    [DoesNotReturn]
    private static void ThrowMalformed(string what) =>
        throw new SerializationException($"ActorCdc change payload is malformed: {what}.");
}
