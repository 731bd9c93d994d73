using System.Text.RegularExpressions;
using ActorCdc.Core.Failures;

namespace ActorCdc.Source.Postgres;

/// <summary>
/// What a PostgreSQL source reads: the server, the slot and publication it owns, the captured tables, and the limits
/// that keep its memory bounded. Property comments name the HOCON key under <c>source</c> that sets each one.
/// </summary>
public sealed partial record PostgresSourceSettings
{
    /// <summary>The record's members with every secret masked (settings end up in logs and error messages).</summary>
    public override string ToString()
    {
        var text = new System.Text.StringBuilder("PostgresSourceSettings { ");
        if (PrintMembers(text)) text.Append(' ');
        return ActorCdc.Core.Diagnostics.SecretMasker.Apply(text.Append('}').ToString());
    }

    /// <summary>
    /// GUCs every source session runs with, so that pgoutput's text output is canonical and exact whatever the
    /// server defaults are (ISO dates, postgres intervals, shortest-exact floats, UTC timestamps).
    /// </summary>
    public const string SessionOptions = "-c DateStyle=ISO,MDY -c IntervalStyle=postgres -c extra_float_digits=3 -c TimeZone=UTC";

    /// <summary><c>source.connection-string</c>: an Npgsql connection string of a user with the REPLICATION attribute.</summary>
    public required string ConnectionString { get; init; }

    /// <summary><c>source.slot</c>: the logical replication slot (pgoutput) this pipeline owns.</summary>
    public required string Slot { get; init; }

    /// <summary><c>source.publication</c>: the publication naming the captured tables.</summary>
    public required string Publication { get; init; }

    /// <summary><c>source.tables</c>: <c>schema.table</c> names or patterns (<c>*</c> matches any run of characters); no schema means <c>public</c>.</summary>
    public required IReadOnlyList<string> Tables { get; init; }

    /// <summary><c>source.create-slot</c>: create the slot when it is missing.</summary>
    public bool CreateSlot { get; init; } = true;

    /// <summary><c>source.create-publication</c>: create the publication when it is missing.</summary>
    public bool CreatePublication { get; init; } = true;

    /// <summary><c>source.heartbeat-interval</c>: how often the engine writes a heartbeat so idle slots advance.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>source.max-batch-rows</c>: the most changes one <see cref="TableChanges"/> carries.</summary>
    public int MaxBatchRows { get; init; } = 1000;

    /// <summary><c>source.streaming-memory-budget</c>: bytes of in-progress streamed transactions held in memory before spilling to disk.</summary>
    public long StreamingMemoryBudgetBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary><c>source.spill-directory</c>: where streamed transactions beyond the budget are spilled.</summary>
    public string SpillDirectory { get; init; } = Path.GetTempPath();

    /// <summary><c>source.status-interval</c>: the longest time between two status updates to the server.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws a fatal <see cref="CdcException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
            throw CdcException.Fatal("source.connection-string is empty; set it to an Npgsql connection string such as \"Host=db;Database=shop;Username=cdc;Password=...\".");
        if (!SlotName().IsMatch(Slot ?? ""))
            throw CdcException.Fatal($"source.slot = \"{Slot}\" is not a valid replication slot name; use 1 to 63 lower-case letters, digits and underscores.");
        if (string.IsNullOrWhiteSpace(Publication))
            throw CdcException.Fatal("source.publication is empty; set it to the name of the publication this pipeline reads, e.g. \"actorcdc_shop\".");
        if (Tables is null || Tables.Count == 0)
            throw CdcException.Fatal("source.tables is empty; list the tables to capture, e.g. [\"public.orders\", \"sales.*\"].");
        foreach (var t in Tables)
            if (string.IsNullOrWhiteSpace(t) || t.Split('.').Length > 2)
                throw CdcException.Fatal($"source.tables contains \"{t}\", which is not of the form schema.table or schema.*; fix that entry.");
        if (MaxBatchRows < 1)
            throw CdcException.Fatal($"source.max-batch-rows = {MaxBatchRows} must be at least 1.");
        if (StreamingMemoryBudgetBytes < 64 * 1024)
            throw CdcException.Fatal($"source.streaming-memory-budget = {StreamingMemoryBudgetBytes} bytes is too small; use at least 64 KiB (the default is 64 MiB).");
        if (string.IsNullOrWhiteSpace(SpillDirectory))
            throw CdcException.Fatal("source.spill-directory is empty; set it to a writable directory with room for the largest transaction.");
        if (StatusInterval <= TimeSpan.Zero)
            throw CdcException.Fatal($"source.status-interval = {StatusInterval} must be positive; it must also stay below the server's wal_sender_timeout (60s by default).");
    }

    [GeneratedRegex("^[a-z0-9_]{1,63}$")]
    private static partial Regex SlotName();
}
