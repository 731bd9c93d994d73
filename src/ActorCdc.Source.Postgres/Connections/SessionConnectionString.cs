using Npgsql;

namespace ActorCdc.Source.Postgres.Connections;

/// <summary>Builds the connection strings the source uses, each carrying <see cref="PostgresSourceSettings.SessionOptions"/>.</summary>
internal static class SessionConnectionString
{
    /// <summary>
    /// The user's connection string with the session GUCs appended to <c>Options</c>; appended last so they win over
    /// any the user set, since exact text output depends on them.
    /// </summary>
    public static string Build(string connectionString, string applicationName)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw Core.Failures.CdcException.Fatal(
                $"source.connection-string cannot be parsed ({e.Message}); write it as Npgsql key=value pairs, e.g. \"Host=db;Database=shop;Username=cdc;Password=...\".", e);
        }
        builder.Options = string.IsNullOrWhiteSpace(builder.Options)
            ? PostgresSourceSettings.SessionOptions
            : builder.Options + " " + PostgresSourceSettings.SessionOptions;
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = applicationName;
        return builder.ConnectionString;
    }

    /// <summary>Where the connection string points, without secrets, for error messages.</summary>
    public static string Describe(string connectionString)
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(connectionString);
            return $"{b.Username ?? "(default user)"}@{b.Host}:{b.Port}/{b.Database ?? "(default database)"}";
        }
        catch (ArgumentException)
        {
            return "(unparsable connection string)";
        }
    }
}
