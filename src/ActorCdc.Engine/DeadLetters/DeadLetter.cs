using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;

namespace ActorCdc.Engine.DeadLetters;

/// <summary>A change the sink rejected, as it is written to a dead-letter target: where it came from, what it held, why it failed.</summary>
public sealed record DeadLetter(string Pipeline, TableId Table, SourcePosition Position, ChangeKind Operation,
    IReadOnlyDictionary<string, string?> Key, IReadOnlyDictionary<string, string?> Values, string Error, DateTime TimeUtc)
{
    /// <summary>
    /// The dead letter of <paramref name="change"/>: its key columns (from the old image when the source sent one) and
    /// the columns it carries, as PostgreSQL text (null for SQL NULL; unchanged TOAST values and absent columns left out).
    /// </summary>
    public static DeadLetter Of(string pipeline, TableSchema schema, RowChange change, string error)
    {
        var image = change.New ?? change.Old;
        var keyImage = change.Old ?? change.New;
        var key = new Dictionary<string, string?>(StringComparer.Ordinal);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < schema.Columns.Count; i++)
        {
            var name = schema.Columns[i].Name;
            if (schema.Columns[i].IsKey && keyImage is not null && i < keyImage.Length && keyImage[i].IsPresent) key[name] = keyImage[i].Text;
            if (image is not null && i < image.Length && image[i].IsPresent) values[name] = image[i].Text;
        }
        return new DeadLetter(pipeline, schema.Table, change.Position, change.Kind, key, values, error, DateTime.UtcNow);
    }
}
