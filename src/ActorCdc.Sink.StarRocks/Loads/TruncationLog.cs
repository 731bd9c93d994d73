using System.Text.Json;
using ActorCdc.Core.Positions;
using ActorCdc.Sink.StarRocks.Ddl;
using ActorCdc.Sink.StarRocks.Http;
using ActorCdc.Sink.StarRocks.Json;

namespace ActorCdc.Sink.StarRocks.Loads;

/// <summary>
/// Makes a replayed TRUNCATE harmless: a truncation is done at most once per position, recorded by loading one row
/// into <c>actorcdc_truncations</c> under a label derived from the position. If that label is already loaded, rows
/// loaded after the truncation are in the table and must not be truncated again; if it is not, nothing after the
/// truncation was loaded yet (the marker is loaded before any later row), so truncating again is safe.
/// </summary>
internal sealed class TruncationLog(StarRocksCatalog catalog, StreamLoadClient loads, StarRocksSinkSettings settings)
{
    public const string TableName = "actorcdc_truncations";

    public async Task TruncateOnceAsync(string database, string table, string source, string markerLabel, SourcePosition at, CancellationToken cancellationToken)
    {
        var state = await loads.GetLoadStateAsync(database, markerLabel, cancellationToken).ConfigureAwait(false);
        if (state is "VISIBLE" or "COMMITTED") return;
        await catalog.ExecuteAsync(TableDdl.Truncate(database, table), cancellationToken).ConfigureAwait(false);
        await catalog.ExecuteAsync(CreateSql(database), cancellationToken).ConfigureAwait(false);
        using var body = new SegmentedBuffer();
        using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartArray();
            w.WriteStartObject();
            w.WriteString("label", markerLabel);
            w.WriteString("source_table", source);
            w.WriteString("target_table", table);
            w.WriteString("position", at.ToString());
            w.WriteEndObject();
            w.WriteEndArray();
        }
        await loads.LoadAsync(new LoadRequest(database, TableName, markerLabel, body, 1, null), cancellationToken).ConfigureAwait(false);
    }

    private string CreateSql(string database)
    {
        var sql = $"CREATE TABLE IF NOT EXISTS {Sql.Table(database, TableName)} (`label` VARCHAR(128) NOT NULL, `source_table` VARCHAR(512) NULL, " +
                  "`target_table` VARCHAR(1024) NULL, `position` VARCHAR(64) NULL) PRIMARY KEY (`label`) DISTRIBUTED BY HASH (`label`)";
        if (settings.TableProperties.Count == 0) return sql;
        var properties = new List<string>();
        foreach (var (name, value) in settings.TableProperties) properties.Add($"{Sql.Literal(name, '"')} = {Sql.Literal(value, '"')}");
        return sql + " PROPERTIES (" + string.Join(", ", properties) + ")";
    }
}
