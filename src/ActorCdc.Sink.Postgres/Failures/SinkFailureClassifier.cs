using ActorCdc.Core.Failures;
using Npgsql;

namespace ActorCdc.Sink.Postgres.Failures;

/// <summary>
/// Turns Npgsql and server errors into <see cref="CdcException"/>s whose one sentence tells the operator what to do
/// (DESIGN.md §5). Never prints the password.
/// </summary>
internal sealed class SinkFailureClassifier
{
    private readonly string _pipeline;
    private readonly string _server;
    private readonly string _user;
    private readonly string _database;

    public SinkFailureClassifier(string pipeline, NpgsqlConnectionStringBuilder connection)
    {
        _pipeline = pipeline;
        _server = $"{connection.Host}:{connection.Port}";
        _user = connection.Username ?? Environment.UserName;
        _database = connection.Database ?? _user;
    }

    /// <summary>Classifies <paramref name="error"/>; <paramref name="doing"/> completes "while ...".</summary>
    public Exception Classify(Exception error, string doing) => error switch
    {
        CdcException or OperationCanceledException => error,
        PostgresException pg => FromServer(pg, doing),
        NpgsqlException npgsql when npgsql.IsTransient => CdcException.Transient(
            $"Pipeline '{_pipeline}': the PostgreSQL sink at {_server} failed while {doing} ({Innermost(npgsql)}); " +
            $"it retries with backoff — if this persists, start the server or fix host and port in {PostgresSinkSettings.ConnectionStringKey}.", error),
        NpgsqlException npgsql => CdcException.Fatal(
            $"Pipeline '{_pipeline}': the PostgreSQL sink at {_server} failed while {doing} ({Innermost(npgsql)}); " +
            $"fix the connection settings in {PostgresSinkSettings.ConnectionStringKey} and restart the pipeline.", error),
        _ => error,
    };

    private CdcException FromServer(PostgresException pg, string doing)
    {
        var what = $"{pg.SqlState}: {pg.MessageText}";
        if (pg.SqlState.StartsWith("28", StringComparison.Ordinal))
            return CdcException.Fatal(
                $"Pipeline '{_pipeline}': the PostgreSQL sink at {_server} refused user '{_user}' ({what}); " +
                $"fix the user name and password in {PostgresSinkSettings.ConnectionStringKey}.", pg);
        if (pg.SqlState == PostgresErrorCodes.InvalidCatalogName)
            return CdcException.Fatal(
                $"Pipeline '{_pipeline}': the PostgreSQL sink database '{_database}' does not exist on {_server} ({what}); " +
                $"create it or name an existing database in {PostgresSinkSettings.ConnectionStringKey}.", pg);
        if (pg.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            return CdcException.Fatal(
                $"Pipeline '{_pipeline}': the PostgreSQL sink user '{_user}' lacks a privilege while {doing} ({what}); " +
                $"grant it what it needs to create schemas and tables (e.g. GRANT CREATE ON DATABASE \"{_database}\" TO \"{_user}\", or GRANT CREATE ON SCHEMA of the target and bookkeeping schemas) or use another user in {PostgresSinkSettings.ConnectionStringKey}.", pg);
        if (pg.IsTransient)
            return CdcException.Transient(
                $"Pipeline '{_pipeline}': the PostgreSQL sink at {_server} failed while {doing} ({what}); it retries with backoff.", pg);
        // Class 21 (cardinality), 22 (data exception) and 23 (integrity constraint) are about the rows, not the setup.
        if (pg.SqlState.StartsWith("22", StringComparison.Ordinal) || pg.SqlState.StartsWith("23", StringComparison.Ordinal) ||
            pg.SqlState.StartsWith("21", StringComparison.Ordinal))
            return CdcException.DataError(
                $"Pipeline '{_pipeline}': the PostgreSQL sink rejected a row while {doing} ({what}); " +
                "fix the row or the target table, or choose another delivery.on-data-error policy.", pg);
        return CdcException.Fatal(
            $"Pipeline '{_pipeline}': the PostgreSQL sink at {_server} failed while {doing} ({what}); " +
            $"fix the target database or {PostgresSinkSettings.ConnectionStringKey} and restart the pipeline.", pg);
    }

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message;
    }
}
