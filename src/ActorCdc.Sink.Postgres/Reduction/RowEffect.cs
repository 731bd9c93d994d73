using ActorCdc.Core.Changes;

namespace ActorCdc.Sink.Postgres.Reduction;

/// <summary>
/// The net effect of a batch on one key: removed (<see cref="Image"/> null) or written with <see cref="Image"/>.
/// Image slots marked unchanged-TOAST keep the value of the sink's row with key <see cref="BaseKey"/>
/// (null: the key itself), read before the batch touches the table.
/// </summary>
internal readonly record struct RowEffect(ColumnValue[]? Image, ColumnValue[]? BaseKey)
{
    public static readonly RowEffect Removed = new(null, null);
}
