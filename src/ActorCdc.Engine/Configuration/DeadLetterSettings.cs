namespace ActorCdc.Engine.Configuration;

/// <summary>
/// <c>delivery.dead-letter { type, path, connection-string, table }</c>: the target of rows the sink rejects under
/// <c>on-data-error = dead-letter</c>. <see cref="Path"/> is absolute (relative paths are under the node's data-dir).
/// </summary>
public sealed record DeadLetterSettings(DeadLetterTargetType Type, string Path, string? ConnectionString, string Table)
{
    internal static DeadLetterSettings Parse(ConfigReader c, string dataDirectory, bool required)
    {
        var type = c.Enum("type", DeadLetterTargetType.File);
        var path = c.String("path", "dead-letters", "a directory for dead-letter files");
        path = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(dataDirectory, path);
        var table = c.String("table", "actorcdc_dead_letters", "a table name such as actorcdc_dead_letters or schema.table");
        if (!System.Text.RegularExpressions.Regex.IsMatch(table, "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?$"))
            throw new SettingsException(c.Key("table"), table, "a table name of letters, digits and _, optionally schema-qualified");
        string? conn = null;
        if (type == DeadLetterTargetType.Postgres && required)
            conn = c.String("connection-string", "a PostgreSQL connection string for the dead-letter table, such as \"Host=127.0.0.1;Database=analytics;Username=cdc;Password=${?DLQ_PASSWORD}\"");
        else if (c.Has("connection-string"))
            conn = c.String("connection-string", "a PostgreSQL connection string");
        return new DeadLetterSettings(type, path, conn, table);
    }
}
