using Npgsql;

namespace ActorCdc.Sink.Postgres.Target;

/// <summary>
/// Retries idempotent DDL that lost a race: concurrent <c>CREATE ... IF NOT EXISTS</c> of the same schema or table
/// by sinks of other tables fails with a unique violation instead of waiting.
/// </summary>
internal static class DdlRetry
{
    public static async Task RunAsync(Func<Task> ddl)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ddl().ConfigureAwait(false);
                return;
            }
            catch (PostgresException e) when (attempt < 3 && e.SqlState is PostgresErrorCodes.UniqueViolation
                                                  or PostgresErrorCodes.DuplicateSchema or PostgresErrorCodes.DuplicateTable
                                                  or PostgresErrorCodes.DuplicateObject)
            {
                // The other creator committed: the next attempt sees its result.
            }
        }
    }
}
