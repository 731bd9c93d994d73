using ActorCdc.Core.Changes;

namespace ActorCdc.Sink.Postgres.Reduction;

/// <summary>Small operations on row images that the reduction and the writers share.</summary>
internal static class RowImages
{
    /// <summary>True when some slot does not carry a value (unchanged TOAST, or absent).</summary>
    public static bool HasKeptSlots(ColumnValue[] image)
    {
        foreach (var v in image)
            if (v.Kind >= ValueKind.UnchangedToast) return true;
        return false;
    }

    /// <summary>
    /// <paramref name="image"/> with its kept slots taken from <paramref name="from"/> where that holds a value.
    /// Copies instead of mutating: images belong to the change batch, which may be replayed.
    /// </summary>
    public static ColumnValue[] Fill(ColumnValue[] image, ColumnValue[] from)
    {
        ColumnValue[]? filled = null;
        for (var i = 0; i < image.Length; i++)
        {
            if (image[i].Kind < ValueKind.UnchangedToast || !from[i].IsPresent) continue;
            filled ??= (ColumnValue[])image.Clone();
            filled[i] = from[i];
        }
        return filled ?? image;
    }
}
