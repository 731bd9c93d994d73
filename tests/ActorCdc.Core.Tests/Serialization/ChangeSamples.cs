using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Core.Tests.Serialization;

/// <summary>Schemas, rows and batches that exercise every corner of the change model's encoding.</summary>
internal static class ChangeSamples
{
    public static ColumnValue T(string text) => ColumnValue.FromText(text);

    /// <summary>numeric(12,2) as pgoutput reports it: ((precision &lt;&lt; 16) | scale) + VARHDRSZ.</summary>
    public const int Numeric12_2 = ((12 << 16) | 2) + 4;

    /// <summary>The benchmark row shape of DESIGN.md §8, plus an array and an enum column.</summary>
    public static TableSchema Orders() => new(
        new TableId("public", "orders"),
        16_384,
        [
            new ColumnSchema("id", 20, -1, "bigint", 'b', true),
            new ColumnSchema("a", 23, -1, "integer", 'b', false),
            new ColumnSchema("b", 25, -1, "text", 'b', false),
            new ColumnSchema("c", 1184, -1, "timestamp with time zone", 'b', false),
            new ColumnSchema("d", 1700, Numeric12_2, "numeric(12,2)", 'b', false),
            new ColumnSchema("tags", 1009, -1, "text[]", 'b', false) { ElementTypeKind = 'b' },
            new ColumnSchema("status", 99_001, -1, "order_status", 'e', false),
        ],
        ReplicaIdentity.Default);

    /// <summary>A table without key, loaded append-only because of REPLICA IDENTITY FULL.</summary>
    public static TableSchema KeylessFull() => new(
        new TableId("Sales Data", "événements \"quoted\""),
        uint.MaxValue,
        [
            new ColumnSchema("payload", 3802, -1, "jsonb", 'b', false),
            new ColumnSchema("note", 25, -1, "text", 'b', false),
        ],
        ReplicaIdentity.Full);

    /// <summary>PostgreSQL allows a table with no column at all.</summary>
    public static TableSchema NoColumns() => new(new TableId("public", "empty"), 0, [], ReplicaIdentity.Nothing);

    /// <summary>Rows of every kind with every value kind, across several transactions and odd positions.</summary>
    public static ChangeBatch Mixed()
    {
        var lsn = new Lsn(0x16_B374_D848UL);
        var next = new Lsn(lsn.Value + 0x1F0);
        RowChange[] changes =
        [
            new(ChangeKind.Insert, new SourcePosition(lsn, 0),
                [T("1"), T("-2147483648"), T(""), T("2024-02-29 23:59:59.999999+00"), T("-0.01"), T("{\"a\",\"b \\\"c\\\"\"}"), ColumnValue.Null], null),
            new(ChangeKind.Insert, new SourcePosition(lsn, 1),
                [T("2"), ColumnValue.Null, T("Grüße, 日本語, 🎉 and 𝄞 (surrogate pairs)\0after-nul"), T("infinity"), T("NaN"), T("{}"), T("shipped")], null),
            new(ChangeKind.Update, new SourcePosition(lsn, 2),
                [T("2"), T("7"), ColumnValue.UnchangedToast, T("-infinity"), T("99999999.99"), ColumnValue.UnchangedToast, T("paid")], null),
            new(ChangeKind.Update, new SourcePosition(next, 0),
                [T("3"), T("7"), ColumnValue.UnchangedToast, T("4713-01-01 00:00:00+00 BC"), T("1.00"), ColumnValue.Null, T("paid")],
                [T("2"), ColumnValue.Absent, ColumnValue.Absent, ColumnValue.Absent, ColumnValue.Absent, ColumnValue.Absent, ColumnValue.Absent]),
            new(ChangeKind.Delete, new SourcePosition(next, 1), null,
                [T("3"), ColumnValue.Absent, ColumnValue.Absent, ColumnValue.Absent, ColumnValue.Absent, ColumnValue.Absent, ColumnValue.Absent]),
            new(ChangeKind.Truncate, new SourcePosition(next, 2), null, null),
            new(ChangeKind.Insert, SourcePosition.EndOf(next), [], []),
            // Out of order on purpose: the position deltas must not assume ascending positions.
            new(ChangeKind.Insert, new SourcePosition(Lsn.Zero, -1), [T("4")], null),
            new(ChangeKind.Insert, new SourcePosition(new Lsn(ulong.MaxValue), long.MinValue), [T("5")], null),
            new(ChangeKind.Delete, new SourcePosition(new Lsn(ulong.MaxValue), long.MaxValue), null, [T("5")]),
        ];
        return new ChangeBatch(Orders(), changes, 4242);
    }

    /// <summary>The benchmark shape: bigint id, int, 100-char text, timestamptz, numeric(12,2), one transaction.</summary>
    public static ChangeBatch BenchmarkRows(int rows)
    {
        var schema = new TableSchema(
            new TableId("public", "bench"),
            16_400,
            [
                new ColumnSchema("id", 20, -1, "bigint", 'b', true),
                new ColumnSchema("a", 23, -1, "integer", 'b', false),
                new ColumnSchema("b", 25, -1, "text", 'b', false),
                new ColumnSchema("c", 1184, -1, "timestamp with time zone", 'b', false),
                new ColumnSchema("d", 1700, Numeric12_2, "numeric(12,2)", 'b', false),
            ],
            ReplicaIdentity.Default);
        var changes = new RowChange[rows];
        var lsn = new Lsn(0x3_0000_0000UL);
        var approximate = 0;
        for (var i = 0; i < rows; i++)
        {
            var id = 1_000_000L + i;
            var text = new string((char)('a' + i % 26), 100);
            ColumnValue[] values =
            [
                T(id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                T((i * 7919 % 100_000).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                T(text),
                T($"2024-05-{1 + i % 28:00} 12:{i % 60:00}:{i * 7 % 60:00}.{i % 1_000_000:000000}+00"),
                T($"{i * 13 % 1_000_000}.{i % 100:00}"),
            ];
            changes[i] = new RowChange(ChangeKind.Insert, new SourcePosition(lsn, i), values, null);
            approximate += changes[i].ApproximateBytes;
        }
        return new ChangeBatch(schema, changes, approximate);
    }
}
