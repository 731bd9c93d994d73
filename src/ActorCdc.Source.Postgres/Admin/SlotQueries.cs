using ActorCdc.Core.Positions;
using Npgsql;
using NpgsqlTypes;

namespace ActorCdc.Source.Postgres.Admin;

/// <summary>Reads a replication slot from <c>pg_replication_slots</c> over an ordinary connection.</summary>
internal static class SlotQueries
{
    private const string Query = """
        SELECT s.slot_name IS NOT NULL, s.confirmed_flush_lsn, s.restart_lsn, s.active_pid, pg_current_wal_lsn(),
               s.plugin, s.slot_type, s.database, current_database()
        FROM (SELECT 1) AS one
        LEFT JOIN pg_replication_slots s ON s.slot_name = @slot
        """;

    public static async Task<SlotRow> ReadAsync(NpgsqlConnection connection, string slot, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(Query, connection);
        cmd.Parameters.AddWithValue("slot", slot);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var state = new SlotState(
            reader.GetBoolean(0),
            LsnAt(reader, 1),
            LsnAt(reader, 2),
            reader.IsDBNull(3) ? null : reader.GetInt32(3),
            LsnAt(reader, 4));
        return new SlotRow(
            state,
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.IsDBNull(6) ? null : reader.GetString(6),
            reader.IsDBNull(7) ? null : reader.GetString(7),
            reader.GetString(8));
    }

    private static Lsn LsnAt(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? Lsn.Zero : new Lsn((ulong)reader.GetFieldValue<NpgsqlLogSequenceNumber>(ordinal));
}
