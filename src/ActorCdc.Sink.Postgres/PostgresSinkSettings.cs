using Akka.Configuration;
using ActorCdc.Core.Failures;
using Npgsql;

namespace ActorCdc.Sink.Postgres;

/// <summary>
/// Settings of a PostgreSQL sink, built from a pipeline's <c>sink</c> HOCON block and validated on construction.
/// </summary>
public sealed class PostgresSinkSettings
{
    /// <summary>The HOCON key of the connection string, as named in operator messages.</summary>
    public const string ConnectionStringKey = "sink.connection-string";

    public PostgresSinkSettings(
        string connectionString,
        PostgresBatchStrategy batchStrategy = PostgresBatchStrategy.Unnest,
        string positionsSchema = "actorcdc")
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw CdcException.Fatal($"{ConnectionStringKey} is empty; set it to the sink database, e.g. \"Host=db;Port=5432;Database=analytics;Username=cdc;Password=...\".");
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw CdcException.Fatal($"{ConnectionStringKey} is not a valid Npgsql connection string ({e.Message}); use the form \"Host=db;Port=5432;Database=analytics;Username=cdc;Password=...\".", e);
        }
        if (string.IsNullOrWhiteSpace(positionsSchema))
            throw CdcException.Fatal("sink.positions-schema is empty; set it to the schema that holds actorcdc's applied_positions table (default actorcdc).");
        ConnectionString = connectionString;
        BatchStrategy = batchStrategy;
        PositionsSchema = positionsSchema;
    }

    /// <summary>Npgsql connection string of the sink database (<c>sink.connection-string</c>).</summary>
    public string ConnectionString { get; }

    /// <summary>How batches are written (<c>sink.batch-strategy</c>: <c>unnest</c>, <c>copy-merge</c> or <c>multi-row-insert</c>).</summary>
    public PostgresBatchStrategy BatchStrategy { get; }

    /// <summary>Schema of the <c>applied_positions</c> bookkeeping table (<c>sink.positions-schema</c>).</summary>
    public string PositionsSchema { get; }

    /// <summary>Reads the keys of a pipeline's <c>sink</c> block; throws a fatal <see cref="CdcException"/> naming a bad key.</summary>
    public static PostgresSinkSettings FromConfig(Config sink)
    {
        var strategyText = sink.GetString("batch-strategy", "unnest");
        var strategy = strategyText switch
        {
            "unnest" => PostgresBatchStrategy.Unnest,
            "copy-merge" => PostgresBatchStrategy.CopyMerge,
            "multi-row-insert" => PostgresBatchStrategy.MultiRowInsert,
            _ => throw CdcException.Fatal($"sink.batch-strategy = \"{strategyText}\" is not known; expected unnest, copy-merge or multi-row-insert."),
        };
        return new PostgresSinkSettings(
            sink.GetString("connection-string", "") ?? "",
            strategy,
            sink.GetString("positions-schema", "actorcdc") ?? "actorcdc");
    }
}
