using ActorCdc.Core.Changes;
using ActorCdc.Sink.Postgres.Reduction;

namespace ActorCdc.Sink.Postgres.Writing;

/// <summary>
/// The net effects of a batch sorted by how they are written: removed keys, full images (upsert), partial images of
/// the same key (UPDATE of the written columns, grouped by which columns are written) and rebased key changes.
/// </summary>
internal sealed class EffectClasses
{
    private readonly Dictionary<string, int> _groupByMask = new(StringComparer.Ordinal);

    public List<ColumnValue[]> Removed { get; } = [];
    public List<ColumnValue[]> Full { get; } = [];
    public List<ColumnValue[]> Partial { get; } = [];

    /// <summary>Group (1-based) of each <see cref="Partial"/> image.</summary>
    public List<int> PartialGroups { get; } = [];

    /// <summary>Mask of each group (index = group - 1): '1' where the image writes the column.</summary>
    public List<string> GroupMasks { get; } = [];

    /// <summary>Key changes whose kept slots come from another key's row in the sink.</summary>
    public List<RowEffect> Rebased { get; } = [];

    public bool NeedsStageForPartials => Partial.Count > 0 || Rebased.Count > 0;

    public void Classify(NetEffect net)
    {
        Removed.Clear();
        Full.Clear();
        Partial.Clear();
        PartialGroups.Clear();
        GroupMasks.Clear();
        Rebased.Clear();
        _groupByMask.Clear();
        foreach (var (key, effect) in net.Rows)
        {
            var image = effect.Image;
            if (image is null) Removed.Add(key);
            else if (!RowImages.HasKeptSlots(image)) Full.Add(image);
            else if (effect.BaseKey is null) AddPartial(image);
            else Rebased.Add(effect);
        }
    }

    // Partial images are rare (unchanged TOAST): a mask string per image is cheap enough.
    private void AddPartial(ColumnValue[] image)
    {
        var mask = string.Create(image.Length, image, static (span, row) =>
        {
            for (var i = 0; i < row.Length; i++) span[i] = row[i].IsPresent ? '1' : '0';
        });
        if (!_groupByMask.TryGetValue(mask, out var group))
        {
            GroupMasks.Add(mask);
            group = GroupMasks.Count;
            _groupByMask[mask] = group;
        }
        Partial.Add(image);
        PartialGroups.Add(group);
    }
}
