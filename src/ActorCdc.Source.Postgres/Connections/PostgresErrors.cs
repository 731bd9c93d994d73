using System.Net.Sockets;
using System.Text.RegularExpressions;
using ActorCdc.Core.Failures;
using Npgsql;

namespace ActorCdc.Source.Postgres.Connections;

/// <summary>Turns Npgsql and PostgreSQL failures into classified <see cref="CdcException"/>s whose message says what to do.</summary>
internal static partial class PostgresErrors
{
    /// <summary>SQLSTATE object_in_use: START_REPLICATION on a slot another walsender holds.</summary>
    public const string ObjectInUse = "55006";

    /// <summary>
    /// Classifies <paramref name="error"/> raised while <paramref name="doing"/>; unknown server errors get
    /// <paramref name="otherwise"/>, since what is fatal during setup may be passing while streaming.
    /// </summary>
    public static CdcException Classify(Exception error, string connectionString, string doing, FailureKind otherwise)
    {
        if (error is CdcException cdc) return cdc;
        var where = SessionConnectionString.Describe(connectionString);
        switch (error)
        {
            case PostgresException pg:
                switch (pg.SqlState)
                {
                    case "28P01" or "28000":
                        return CdcException.Fatal(
                            $"source.connection-string: PostgreSQL refused the login {where} while {doing} ({pg.MessageText}); fix the user name or password in source.connection-string or the server's pg_hba.conf.", pg);
                    case "3D000":
                        return CdcException.Fatal(
                            $"source.connection-string: the database of {where} does not exist ({pg.MessageText}); fix Database in source.connection-string.", pg);
                    case "42501":
                        return CdcException.Fatal(
                            $"source.connection-string: the user of {where} lacks a privilege needed while {doing} ({pg.MessageText}); grant it (REPLICATION and table ownership or SELECT) or use a user that has it.", pg);
                    case ObjectInUse when SlotHolderOf(pg.MessageText) is { } holder:
                        return SlotInUse(holder.Slot, holder.Pid, pg);
                }
                if (IsTransientState(pg.SqlState))
                    return CdcException.Transient($"PostgreSQL at {where} failed while {doing} ({pg.SqlState}: {pg.MessageText}); retrying.", pg);
                return new CdcException(otherwise, $"PostgreSQL at {where} failed while {doing} ({pg.SqlState}: {pg.MessageText}); {(otherwise == FailureKind.Fatal ? "fix the cause and restart the pipeline" : "retrying")}.", pg);
            case NpgsqlException or SocketException or IOException or TimeoutException:
                return CdcException.Transient(
                    $"cannot reach PostgreSQL {where} while {doing} ({Innermost(error).Message}); retrying; check source.connection-string and that the server is up.", error);
            default:
                return new CdcException(otherwise, $"unexpected failure while {doing} against {where}: {error.Message}", error);
        }
    }

    /// <summary>The transient failure for a slot held by another walsender; the PID rides in <see cref="Exception.Data"/>.</summary>
    public static CdcException SlotInUse(string slot, int pid, Exception? inner = null)
    {
        var e = CdcException.Transient(
            $"replication slot {slot} is active for PID {pid}; retrying until that walsender exits (stop the other consumer, or end it with pg_terminate_backend({pid})).", inner);
        e.Data[WalStream.ActivePidDataKey] = pid;
        return e;
    }

    private static bool IsTransientState(string state) =>
        state.StartsWith("08", StringComparison.Ordinal)      // connection exception
        || state.StartsWith("53", StringComparison.Ordinal)   // insufficient resources (too many connections, disk full)
        || state.StartsWith("57", StringComparison.Ordinal)   // operator intervention (admin shutdown, cannot connect now)
        || state.StartsWith("40", StringComparison.Ordinal)   // serialization failure, deadlock
        || state == "55P03";                                  // lock not available

    /// <summary>The slot and PID in <c>replication slot "x" is active for PID 1234</c>.</summary>
    private static (string Slot, int Pid)? SlotHolderOf(string message)
    {
        var m = SlotActivePattern().Match(message);
        return m.Success && int.TryParse(m.Groups[2].ValueSpan, out var pid) ? (m.Groups[1].Value, pid) : null;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    [GeneratedRegex(@"replication slot ""([^""]+)"" is active for PID (\d+)")]
    private static partial Regex SlotActivePattern();
}
