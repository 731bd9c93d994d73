using System.Runtime.Serialization;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Serialization;
using Xunit;
using static ActorCdc.Core.Tests.Serialization.ChangeSamples;

namespace ActorCdc.Core.Tests.Serialization;

public class ChangeCodecTests
{
    private delegate void Write(ref CdcBinaryWriter writer);

    private delegate T Read<out T>(ref CdcBinaryReader reader);

    private static T RoundTrip<T>(Write write, Read<T> read)
    {
        var writer = new CdcBinaryWriter();
        byte[] bytes;
        try
        {
            write(ref writer);
            bytes = writer.ToArray();
        }
        finally
        {
            writer.Dispose();
        }
        var reader = new CdcBinaryReader(bytes);
        var result = read(ref reader);
        Assert.True(reader.IsAtEnd, $"{reader.Remaining} byte(s) left unread");
        return result;
    }

    public static TheoryData<ulong, long> Positions() => new()
    {
        { 0UL, -1L },
        { 0UL, 0L },
        { 0x16B374D848UL, 17L },
        { ulong.MaxValue, long.MaxValue },
        { ulong.MaxValue, long.MinValue },
    };

    [Theory]
    [MemberData(nameof(Positions))]
    public void Positions_and_lsns_round_trip_at_their_extremes(ulong lsn, long index)
    {
        var position = new SourcePosition(new Lsn(lsn), index);
        Assert.Equal(position, RoundTrip((ref CdcBinaryWriter w) => ChangeCodec.WriteSourcePosition(ref w, position),
            (ref CdcBinaryReader r) => ChangeCodec.ReadSourcePosition(ref r)));
        Assert.Equal(position.CommitLsn, RoundTrip((ref CdcBinaryWriter w) => ChangeCodec.WriteLsn(ref w, position.CommitLsn),
            (ref CdcBinaryReader r) => ChangeCodec.ReadLsn(ref r)));
    }

    [Theory]
    [MemberData(nameof(Positions))]
    public void Position_deltas_inside_a_batch_survive_extremes_and_wraparound(ulong lsn, long index)
    {
        var position = new SourcePosition(new Lsn(lsn), index);
        var batch = new ChangeBatch(NoColumns(),
        [
            new RowChange(ChangeKind.Truncate, position, null, null),
            new RowChange(ChangeKind.Truncate, new SourcePosition(position.CommitLsn, unchecked(index + 1)), null, null),
            new RowChange(ChangeKind.Truncate, new SourcePosition(new Lsn(unchecked(lsn + 1)), long.MinValue), null, null),
            new RowChange(ChangeKind.Truncate, position, null, null),
        ], 0);
        ChangeAssert.Equal(batch, RoundTrip((ref CdcBinaryWriter w) => ChangeCodec.WriteChangeBatch(ref w, batch),
            (ref CdcBinaryReader r) => ChangeCodec.ReadChangeBatch(ref r)));
    }

    [Fact]
    public void Table_ids_round_trip_with_characters_that_need_quoting()
    {
        var table = new TableId("Sales \"EU\"", "ördérs.2024");
        Assert.Equal(table, RoundTrip((ref CdcBinaryWriter w) => ChangeCodec.WriteTableId(ref w, table),
            (ref CdcBinaryReader r) => ChangeCodec.ReadTableId(ref r)));
    }

    [Fact]
    public void Column_schemas_keep_type_modifier_kind_key_and_element_kind()
    {
        foreach (var column in Orders().Columns)
            Assert.Equal(column, RoundTrip((ref CdcBinaryWriter w) => ChangeCodec.WriteColumnSchema(ref w, column),
                (ref CdcBinaryReader r) => ChangeCodec.ReadColumnSchema(ref r)));
    }

    public static TheoryData<string> Schemas() => ["orders", "keyless", "no-columns"];

    [Theory]
    [MemberData(nameof(Schemas))]
    public void Table_schemas_round_trip_including_keyless_and_empty_ones(string name)
    {
        var schema = name switch { "orders" => Orders(), "keyless" => KeylessFull(), _ => NoColumns() };
        var back = RoundTrip((ref CdcBinaryWriter w) => ChangeCodec.WriteTableSchema(ref w, schema),
            (ref CdcBinaryReader r) => ChangeCodec.ReadTableSchema(ref r));
        ChangeAssert.Equal(schema, back);
        Assert.True(back.SameShapeAs(schema));
        Assert.Equal(schema.HasKey, back.HasKey);
    }

    public static TheoryData<int> ValueCases() => [0, 1, 2, 3, 4, 5, 6, 7];

    [Theory]
    [MemberData(nameof(ValueCases))]
    public void Column_values_of_every_kind_round_trip(int which)
    {
        var value = which switch
        {
            0 => ColumnValue.Null,
            1 => ColumnValue.UnchangedToast,
            2 => ColumnValue.Absent,
            3 => T(""),
            4 => T("NULL"), // the text, not SQL NULL
            5 => T("🎉𝄞 Grüße 日本"),
            6 => T(new string('z', 1_048_577)),
            _ => T(string.Concat(Enumerable.Repeat("ä🎉", 400_000))), // 2.4 MB of multi-byte UTF-8
        };
        var back = RoundTrip((ref CdcBinaryWriter w) => ChangeCodec.WriteColumnValue(ref w, value),
            (ref CdcBinaryReader r) => ChangeCodec.ReadColumnValue(ref r));
        Assert.Equal(value.Kind, back.Kind);
        Assert.Equal(value.Text, back.Text);
    }

    [Fact]
    public void Row_changes_of_every_kind_round_trip_on_their_own()
    {
        foreach (var change in Mixed().Changes)
            ChangeAssert.Equal(change, RoundTrip((ref CdcBinaryWriter w) => ChangeCodec.WriteRowChange(ref w, change),
                (ref CdcBinaryReader r) => ChangeCodec.ReadRowChange(ref r)));
    }

    [Fact]
    public void A_batch_round_trips_every_row_kind_value_kind_and_position()
    {
        var batch = Mixed();
        ChangeAssert.Equal(batch, RoundTrip((ref CdcBinaryWriter w) => ChangeCodec.WriteChangeBatch(ref w, batch),
            (ref CdcBinaryReader r) => ChangeCodec.ReadChangeBatch(ref r)));
    }

    [Fact]
    public void A_batch_with_a_value_over_a_megabyte_round_trips()
    {
        var big = string.Concat(Enumerable.Repeat("x🎉y", 350_000)); // 1.05 M chars... 2.1 MB UTF-8
        var batch = new ChangeBatch(KeylessFull(),
        [
            new RowChange(ChangeKind.Insert, new SourcePosition(new Lsn(5), 0), [T(big), ColumnValue.Null], null),
            new RowChange(ChangeKind.Delete, new SourcePosition(new Lsn(5), 1), null, [T(big), T("")]),
        ], big.Length * 2);
        ChangeAssert.Equal(batch, RoundTrip((ref CdcBinaryWriter w) => ChangeCodec.WriteChangeBatch(ref w, batch),
            (ref CdcBinaryReader r) => ChangeCodec.ReadChangeBatch(ref r)));
    }

    [Fact]
    public void A_batch_writes_its_schema_once_and_rows_of_one_transaction_compactly()
    {
        var one = EncodedLength(BenchmarkRows(1));
        var thousand = EncodedLength(BenchmarkRows(1000));
        var schemaLength = EncodedSchemaLength(BenchmarkRows(1).Schema);
        var perRow = (thousand - one) / 999.0;
        // A row of the benchmark shape carries ~150 bytes of text; everything else should be a handful of bytes.
        Assert.InRange(perRow, 150, 170);
        Assert.True(one - schemaLength < 200, $"schema {schemaLength} bytes, batch of one row {one} bytes");
    }

    [Fact]
    public void An_unknown_value_kind_is_refused()
    {
        var e = Assert.Throws<SerializationException>(() => RoundTrip((ref CdcBinaryWriter w) => w.WriteByte(9),
            (ref CdcBinaryReader r) => ChangeCodec.ReadColumnValue(ref r)));
        Assert.Contains("value kind 9", e.Message);
    }

    [Fact]
    public void An_unknown_replica_identity_is_refused()
    {
        var e = Assert.Throws<SerializationException>(() => RoundTrip((ref CdcBinaryWriter w) =>
            {
                ChangeCodec.WriteTableId(ref w, new TableId("s", "t"));
                w.WriteVarUInt32(1);
                w.WriteByte((byte)'x');
                w.WriteVarUInt32(0);
            },
            (ref CdcBinaryReader r) => ChangeCodec.ReadTableSchema(ref r)));
        Assert.Contains("replica identity 'x'", e.Message);
    }

    private static int EncodedLength(ChangeBatch batch) =>
        RoundTrip((ref CdcBinaryWriter w) => ChangeCodec.WriteChangeBatch(ref w, batch), (ref CdcBinaryReader r) =>
        {
            var length = r.Remaining;
            ChangeCodec.ReadChangeBatch(ref r);
            return length;
        });

    private static int EncodedSchemaLength(TableSchema schema) =>
        RoundTrip((ref CdcBinaryWriter w) => ChangeCodec.WriteTableSchema(ref w, schema), (ref CdcBinaryReader r) =>
        {
            var length = r.Remaining;
            ChangeCodec.ReadTableSchema(ref r);
            return length;
        });
}
