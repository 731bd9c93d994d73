using System.Globalization;
using ActorCdc.Core.Changes;

namespace ActorCdc.Sink.Postgres.Tests.Support;

/// <summary>Builds column slots: null is SQL NULL, a <see cref="ColumnValue"/> is taken as is, anything else is its invariant text.</summary>
internal static class Row
{
    public static ColumnValue[] Of(params object?[] values)
    {
        var row = new ColumnValue[values.Length];
        for (var i = 0; i < values.Length; i++)
            row[i] = values[i] switch
            {
                null => ColumnValue.Null,
                ColumnValue v => v,
                IFormattable f => ColumnValue.FromText(f.ToString(null, CultureInfo.InvariantCulture)),
                var o => ColumnValue.FromText(o.ToString()!),
            };
        return row;
    }

    public static readonly ColumnValue Toast = ColumnValue.UnchangedToast;
}
