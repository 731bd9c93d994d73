using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Sink.Postgres.Failures;
using ActorCdc.Sink.Postgres.Positions;
using Npgsql;

namespace ActorCdc.Sink.Postgres;

/// <summary>
/// Creates the table sinks of one pipeline's PostgreSQL sink; owns their connection pool and the bookkeeping table.
/// </summary>
public sealed class PostgresSinkFactory : ISinkFactory, IAsyncDisposable
{
    // Values arrive in the source's text rendering (pgoutput text mode with these settings); reading them back and
    // comparing renderings (keyless tables) must use the same ones.
    private const string SessionOptions = "-c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=3 -c TimeZone=UTC";

    private readonly NpgsqlDataSource _dataSource;
    private readonly SemaphoreSlim _positionsGate = new(1, 1);
    private volatile bool _positionsReady;

    public PostgresSinkFactory(string pipeline, PostgresSinkSettings settings)
    {
        Pipeline = pipeline;
        Settings = settings;
        var builder = new NpgsqlDataSourceBuilder(settings.ConnectionString);
        var options = builder.ConnectionStringBuilder.Options;
        builder.ConnectionStringBuilder.Options = string.IsNullOrWhiteSpace(options) ? SessionOptions : options + " " + SessionOptions;
        Failures = new SinkFailureClassifier(pipeline, builder.ConnectionStringBuilder);
        _dataSource = builder.Build();
        Positions = new AppliedPositionsTable(settings.PositionsSchema);
    }

    public string Pipeline { get; }
    public PostgresSinkSettings Settings { get; }

    internal NpgsqlDataSource DataSource => _dataSource;
    internal AppliedPositionsTable Positions { get; }
    internal SinkFailureClassifier Failures { get; }

    /// <summary>Connects, creates the bookkeeping table if needed and proves the user may create tables.</summary>
    public async Task ValidateAsync(CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                await Positions.EnsureAsync(connection, cancellationToken).ConfigureAwait(false);
                _positionsReady = true;
                var probe = $"{TableId.QuoteIdent(Settings.PositionsSchema)}.{TableId.QuoteIdent("validate_" + Guid.NewGuid().ToString("N"))}";
                var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (tx.ConfigureAwait(false))
                {
                    await using (var create = new NpgsqlCommand($"CREATE TABLE {probe} (x int)", connection))
                        await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e)
        {
            throw Failures.Classify(e, "checking that it can connect and create tables");
        }
    }

    public ITableSink CreateTableSink(TableId source, TableId target) => new PostgresTableSink(this, source, target);

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _positionsGate.Dispose();
    }

    /// <summary>Creates the bookkeeping table once per factory, whether or not <see cref="ValidateAsync"/> ran.</summary>
    internal async Task EnsurePositionsTableAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_positionsReady) return;
        await _positionsGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_positionsReady) return;
            await Positions.EnsureAsync(connection, cancellationToken).ConfigureAwait(false);
            _positionsReady = true;
        }
        finally
        {
            _positionsGate.Release();
        }
    }
}
