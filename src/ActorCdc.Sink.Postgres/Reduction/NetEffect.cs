using System.Runtime.InteropServices;
using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;

namespace ActorCdc.Sink.Postgres.Reduction;

/// <summary>
/// Reduces an ordered run of changes of a keyed table to one <see cref="RowEffect"/> per key, so the writers touch
/// each key once. Reused across batches of one sink (calls are never concurrent).
/// </summary>
internal sealed class NetEffect
{
    private readonly RowKeyComparer _keys;

    public NetEffect(int[] keyIndexes)
    {
        _keys = new RowKeyComparer(keyIndexes);
        Rows = new Dictionary<ColumnValue[], RowEffect>(_keys);
    }

    /// <summary>Per key (a row whose key slots hold it), its net effect.</summary>
    public Dictionary<ColumnValue[], RowEffect> Rows { get; }

    /// <summary>A TRUNCATE came before every effect in <see cref="Rows"/>: the target is emptied first.</summary>
    public bool Truncated { get; private set; }

    public bool Fits(TableSchema schema) => _keys.KeyIndexes.AsSpan().SequenceEqual(schema.KeyIndexes);

    /// <summary>Replaces the content with the net effect of <paramref name="changes"/> from index <paramref name="from"/> on.</summary>
    public void Reduce(TableSchema schema, IReadOnlyList<RowChange> changes, int from)
    {
        Rows.Clear();
        Truncated = false;
        for (var i = from; i < changes.Count; i++)
        {
            var change = changes[i];
            switch (change.Kind)
            {
                case ChangeKind.Insert:
                    Set(Required(change.New, change, schema), new RowEffect(change.New, null));
                    break;
                case ChangeKind.Update:
                    Update(Required(change.New, change, schema), change.Old);
                    break;
                case ChangeKind.Delete:
                    Set(Required(change.Old, change, schema), RowEffect.Removed);
                    break;
                case ChangeKind.Truncate:
                    // Everything before is void: the target is truncated, then the rest applies.
                    Rows.Clear();
                    Truncated = true;
                    break;
            }
        }
    }

    private void Update(ColumnValue[] image, ColumnValue[]? old)
    {
        var keyChanged = old is not null && !_keys.Equals(old, image);
        ColumnValue[]? baseKey = null;
        if (RowImages.HasKeptSlots(image))
        {
            // With REPLICA IDENTITY FULL the old row carries the values the new image leaves out.
            if (old is not null) image = RowImages.Fill(image, old);
            var priorKey = keyChanged ? old! : image;
            if (RowImages.HasKeptSlots(image))
            {
                if (Rows.TryGetValue(priorKey, out var prior) && prior.Image is not null)
                {
                    image = RowImages.Fill(image, prior.Image);
                    baseKey = prior.BaseKey;
                }
                // Still kept slots: they come from the sink's row of the prior key, which is the old key on a key change.
                if (RowImages.HasKeptSlots(image)) baseKey ??= keyChanged ? priorKey : null;
                else baseKey = null;
            }
        }
        if (keyChanged) Set(old!, RowEffect.Removed);
        Set(image, new RowEffect(image, baseKey));
    }

    private void Set(ColumnValue[] key, RowEffect effect) =>
        CollectionsMarshal.GetValueRefOrAddDefault(Rows, key, out _) = effect;

    private static ColumnValue[] Required(ColumnValue[]? row, RowChange change, TableSchema schema) =>
        row ?? throw CdcException.Fatal($"Change {change} of {schema.Table} carries no row where its kind needs one; the source sent an incomplete change, report it as a bug.");
}
