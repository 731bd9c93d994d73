using ActorCdc.Core.Failures;
using Npgsql;

namespace ActorCdc.Source.Postgres.Admin;

/// <summary>Makes sure the logical replication slot exists, uses pgoutput, and belongs to the captured database.</summary>
internal static class SlotSetup
{
    public static async Task EnsureAsync(NpgsqlConnection connection, PostgresSourceSettings settings, CancellationToken ct)
    {
        var slot = settings.Slot;
        var row = await SlotQueries.ReadAsync(connection, slot, ct);
        if (!row.State.Exists)
        {
            if (!settings.CreateSlot)
                throw CdcException.Fatal(
                    $"source.slot = \"{slot}\" does not exist and source.create-slot is off; run SELECT pg_create_logical_replication_slot('{slot}', 'pgoutput'); in database \"{row.CurrentDatabase}\" or set source.create-slot = on.");
            try
            {
                await using var cmd = new NpgsqlCommand("SELECT pg_create_logical_replication_slot(@slot, 'pgoutput')", connection);
                cmd.Parameters.AddWithValue("slot", slot);
                await cmd.ExecuteNonQueryAsync(ct);
                return;
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.UniqueViolation)
            {
                // Created concurrently (another node starting the same pipeline): check it like an existing one.
                row = await SlotQueries.ReadAsync(connection, slot, ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectNotInPrerequisiteState)
            {
                throw CdcException.Fatal(
                    $"source.slot = \"{slot}\" cannot be created ({e.MessageText}); set wal_level = logical in postgresql.conf and restart PostgreSQL.", e);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ConfigurationLimitExceeded)
            {
                throw CdcException.Fatal(
                    $"source.slot = \"{slot}\" cannot be created ({e.MessageText}); raise max_replication_slots in postgresql.conf or drop an unused slot.", e);
            }
        }
        row = await WhileCreatedElsewhereAsync(connection, slot, row, ct);
        Check(row, slot);
    }

    private static readonly TimeSpan CreationWait = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A slot another session is creating (another node starting the same pipeline) is listed before it is ready, with
    /// no plugin yet; creation waits for the transactions running at that moment to end. Waits for it to be ready.
    /// </summary>
    private static async Task<SlotRow> WhileCreatedElsewhereAsync(NpgsqlConnection connection, string slot, SlotRow row, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + CreationWait;
        while (row.State.Exists && string.IsNullOrEmpty(row.Plugin))
        {
            if (DateTime.UtcNow > deadline)
                throw CdcException.Transient(
                    $"source.slot = \"{slot}\" is still being created by another session (PID {row.State.ActivePid?.ToString() ?? "unknown"}) after {CreationWait.TotalMinutes:0} minutes; " +
                    "its creation waits for the transactions running when it began: end long-running transactions on the source, then start the pipeline again.");
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            row = await SlotQueries.ReadAsync(connection, slot, ct);
        }
        return row;
    }

    /// <summary>Refuses a slot this source cannot read: another plugin, physical, or another database.</summary>
    public static void Check(SlotRow row, string slot)
    {
        if (row.SlotType != "logical" || row.Plugin != "pgoutput")
            throw CdcException.Fatal(
                $"source.slot = \"{slot}\" is a {row.SlotType} slot using plugin \"{row.Plugin}\", but ActorCdc reads logical pgoutput slots; choose another source.slot or drop that slot.");
        if (row.Database != row.CurrentDatabase)
            throw CdcException.Fatal(
                $"source.slot = \"{slot}\" belongs to database \"{row.Database}\", not \"{row.CurrentDatabase}\" of source.connection-string; choose another source.slot or connect to \"{row.Database}\".");
    }
}
