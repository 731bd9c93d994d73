using ActorCdc.Core.Changes;
using ActorCdc.Sink.Postgres.Target;
using Npgsql;

namespace ActorCdc.Sink.Postgres.Writing;

/// <summary>Writes a run of changes into a target table inside the apply transaction that the sink owns.</summary>
internal interface IChangeWriter
{
    /// <summary>Adds commands that run with the position lock, in the first round trip of the transaction.</summary>
    void AddPrologue(NpgsqlBatch batch, TargetTable table);

    /// <summary>
    /// Writes <paramref name="changes"/> from index <paramref name="from"/> on. May run commands itself; leaves its last
    /// statements in <paramref name="final"/>, which the sink runs together with the position update.
    /// </summary>
    Task WriteAsync(NpgsqlConnection connection, TargetTable table, IReadOnlyList<RowChange> changes, int from, NpgsqlBatch final,
        CancellationToken cancellationToken);
}
