using ActorCdc.Core.Changes;
using Npgsql.Replication.PgOutput;

namespace ActorCdc.Source.Postgres.Decoding;

/// <summary>
/// Copies a pgoutput tuple into column values. A tuple is read-once and only valid until the next message is
/// pulled, so every value becomes a string here, immediately.
/// </summary>
internal static class TupleReader
{
    /// <summary>
    /// Reads every column; when <paramref name="keyOnly"/> is given (a key tuple), columns outside the key are
    /// <see cref="ValueKind.Absent"/>: pgoutput sends them as NULL although they are simply not part of the key.
    /// </summary>
    public static async ValueTask<ColumnValue[]> ReadAsync(ReplicationTuple tuple, bool[]? keyOnly, CancellationToken ct)
    {
        var values = new ColumnValue[tuple.NumColumns];
        var i = 0;
        await foreach (var value in tuple.WithCancellation(ct))
        {
            if (keyOnly is not null && !keyOnly[i])
            {
                values[i++] = ColumnValue.Absent;
                continue;
            }
            values[i++] = value.Kind switch
            {
                TupleDataKind.Null => ColumnValue.Null,
                TupleDataKind.UnchangedToastedValue => ColumnValue.UnchangedToast,
                TupleDataKind.TextValue => ColumnValue.FromText(await value.Get<string>(ct)),
                _ => throw new InvalidOperationException(
                    $"pgoutput sent a {value.Kind} column although the session asked for text; this is a bug in the source reader."),
            };
        }
        return values;
    }
}
