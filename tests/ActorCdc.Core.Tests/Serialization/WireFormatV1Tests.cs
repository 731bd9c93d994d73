using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Serialization;
using Akka.Actor;
using Xunit;
using Xunit.Abstractions;
using static ActorCdc.Core.Tests.Serialization.ChangeSamples;

namespace ActorCdc.Core.Tests.Serialization;

/// <summary>
/// Protects the wire format: journals and mixed-version clusters hold bytes written by older builds. The hex below was
/// produced by the version-1 encoder; it must keep decoding to the same batch for as long as version 1 is readable.
/// </summary>
public class WireFormatV1Tests : Akka.TestKit.Xunit2.TestKit
{
    // public.orders, 4 columns; insert (unicode, NULL), update (empty string, unchanged TOAST, old key), delete, truncate.
    private const string Version1ChangeBatchHex =
        "01067075626C6963066F72646572738080016404026964140106626967696E74620100046E6F74651901047465787462" +
        "000003646F63DA1D01056A736F6E626200000474616773F1070106746578745B5D62006282050490E1A6B7D605000105" +
        "01013101095A6FC3AB20F09F8E890001057B612C627D00000202050101320100020205010131030303E0070003000501" +
        "01320303030002040000";

    private readonly ITestOutputHelper _output;

    public WireFormatV1Tests(ITestOutputHelper output) : base(CoreSerializer.Config, nameof(WireFormatV1Tests), output) => _output = output;

    private CoreSerializer Serializer => new((ExtendedActorSystem)Sys);

    /// <summary>Written out literally, not from <see cref="ChangeSamples"/>, so that nothing else can change it.</summary>
    private static ChangeBatch Expected()
    {
        var schema = new TableSchema(
            new TableId("public", "orders"),
            16_384,
            [
                new ColumnSchema("id", 20, -1, "bigint", 'b', true),
                new ColumnSchema("note", 25, -1, "text", 'b', false),
                new ColumnSchema("doc", 3802, -1, "jsonb", 'b', false),
                new ColumnSchema("tags", 1009, -1, "text[]", 'b', false) { ElementTypeKind = 'b' },
            ],
            ReplicaIdentity.Default);
        var first = new Lsn(0x16_B374_D848UL);
        var second = new Lsn(0x16_B374_DA38UL);
        return new ChangeBatch(schema,
        [
            new RowChange(ChangeKind.Insert, new SourcePosition(first, 0), [T("1"), T("Zoë 🎉"), ColumnValue.Null, T("{a,b}")], null),
            new RowChange(ChangeKind.Update, new SourcePosition(first, 1),
                [T("2"), T(""), ColumnValue.UnchangedToast, ColumnValue.UnchangedToast],
                [T("1"), ColumnValue.Absent, ColumnValue.Absent, ColumnValue.Absent]),
            new RowChange(ChangeKind.Delete, new SourcePosition(second, 0), null,
                [T("2"), ColumnValue.Absent, ColumnValue.Absent, ColumnValue.Absent]),
            new RowChange(ChangeKind.Truncate, new SourcePosition(second, 1), null, null),
        ], 321);
    }

    [Fact]
    public void Reads_a_version_1_change_batch_written_by_an_earlier_build()
    {
        var bytes = Convert.FromHexString(Version1ChangeBatchHex);
        var batch = (ChangeBatch)Serializer.FromBinary(bytes, "cb");
        ChangeAssert.Equal(Expected(), batch);
    }

    [Fact]
    public void Still_writes_version_1_byte_for_byte()
    {
        // When this fails on purpose, the format changed: bump CoreSerializer.FormatVersion, keep reading version 1,
        // and keep the test above.
        var hex = Convert.ToHexString(Serializer.ToBinary(Expected()));
        _output.WriteLine(hex);
        Assert.Equal(Version1ChangeBatchHex, hex);
    }
}
