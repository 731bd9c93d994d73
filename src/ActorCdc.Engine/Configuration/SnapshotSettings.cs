using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.Configuration;

/// <summary>
/// <c>snapshot { mode, chunk-size, parallelism, tables { "schema.table" = mode } }</c> of a pipeline: how existing rows
/// are backfilled (DESIGN.md §3.5).
/// </summary>
public sealed record SnapshotSettings(SnapshotMode Mode, int ChunkSize, int Parallelism, int RowsPerMessage, IReadOnlyDictionary<TableId, SnapshotMode> TableModes)
{
    /// <summary>The mode of one table: its own entry, else the pipeline's.</summary>
    public SnapshotMode ModeOf(TableId table) => TableModes.TryGetValue(table, out var m) ? m : Mode;

    internal static SnapshotSettings Parse(ConfigReader c)
    {
        var modes = new Dictionary<TableId, SnapshotMode>();
        if (c.Has("tables"))
        {
            var tables = c.Section("tables");
            foreach (var (key, _) in tables.Config.Root.GetObject().Items)
            {
                var name = key.Trim('"');
                if (name.IndexOf('.') <= 0)
                    throw new SettingsException(tables.Key(key), name, "a schema-qualified table name such as \"public.orders\"");
                modes[TableId.Parse(name)] = tables.Enum(key, SnapshotMode.Initial);
            }
        }
        return new SnapshotSettings(
            c.Enum("mode", SnapshotMode.Initial),
            c.Int("chunk-size", 50000, min: 1),
            c.Int("parallelism", 4, min: 1, max: 256),
            c.Int("rows-per-message", 1000, min: 1),
            modes);
    }
}
