using System.Net.Sockets;
using ActorCdc.Core.Failures;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Sink.StarRocks.Ddl;
using ActorCdc.Sink.StarRocks.Http;
using ActorCdc.Sink.StarRocks.Loads;
using ActorCdc.Sink.StarRocks.Transactions;
using MySqlConnector;

namespace ActorCdc.Sink.StarRocks;

/// <summary>
/// Creates the table sinks of one pipeline's StarRocks sink (at-least-once or exactly-once per <c>sink.semantic</c>);
/// owns the HTTP client for Stream Load and the MySQL-protocol connection pool for DDL.
/// </summary>
public sealed class StarRocksSinkFactory : ISinkFactory, IAsyncDisposable
{
    private readonly StarRocksHttpClient _http;

    public StarRocksSinkFactory(string pipeline, StarRocksSinkSettings settings)
    {
        settings.Validate();
        Pipeline = pipeline;
        Settings = settings;
        _http = new StarRocksHttpClient(settings);
        Loads = new StreamLoadClient(_http, settings, pipeline);
        Catalog = new StarRocksCatalog(settings, pipeline);
        Tables = new TargetTableResolver(Catalog, settings, pipeline);
        Transactions = new TransactionStreamLoadClient(_http, Loads, settings, pipeline);
        Truncations = new TruncationLog(Catalog, Loads, settings);
    }

    public string Pipeline { get; }
    public StarRocksSinkSettings Settings { get; }

    internal StreamLoadClient Loads { get; }
    internal StarRocksCatalog Catalog { get; }
    internal TargetTableResolver Tables { get; }
    internal TransactionStreamLoadClient Transactions { get; }
    internal TruncationLog Truncations { get; }

    /// <summary>
    /// Connects over MySQL and checks that <c>sink.database</c> exists (and, for exactly-once, that StarRocks has
    /// Transaction Stream Load, 2.4+), then asks the FE over HTTP for a label's state to prove the HTTP credentials.
    /// </summary>
    public async Task ValidateAsync(CancellationToken cancellationToken)
    {
        bool exists;
        try
        {
            exists = await Catalog.DatabaseExistsAsync(Settings.Database, cancellationToken).ConfigureAwait(false);
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.AccessDenied || e.Number == 1045)
        {
            throw CdcException.Fatal(
                $"Pipeline '{Pipeline}': StarRocks at {Catalog.Endpoint} refused user '{Settings.Username}' ({e.Message}); fix sink.username and sink.password.", e);
        }
        catch (Exception e) when (e is MySqlException or SocketException or IOException)
        {
            throw CdcException.Transient(
                $"Pipeline '{Pipeline}': cannot reach the StarRocks FE at {Catalog.Endpoint} over the MySQL protocol ({e.Message}); " +
                "start StarRocks or fix sink.jdbc-url / sink.mysql.", e);
        }
        if (!exists)
            throw CdcException.Fatal(
                $"Pipeline '{Pipeline}': StarRocks database '{Settings.Database}' does not exist at {Catalog.Endpoint}; " +
                $"create it (CREATE DATABASE {Sql.Ident(Settings.Database)}) or fix sink.database.");

        if (Settings.Semantic == StarRocksSemantic.ExactlyOnce &&
            await Catalog.VersionAsync(cancellationToken).ConfigureAwait(false) is { } version && IsOlderThan(version, 2, 4))
            throw CdcException.Fatal(
                $"Pipeline '{Pipeline}': StarRocks {version} has no Transaction Stream Load, which sink.semantic = exactly-once needs (2.4 or later); " +
                "upgrade StarRocks or set sink.semantic = at-least-once.");

        try
        {
            await Loads.GetLoadStateAsync(Settings.Database, Settings.LabelPrefix + "-validate", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or IOException)
        {
            throw CdcException.Transient(
                $"Pipeline '{Pipeline}': cannot reach the StarRocks FE at {_http.Frontend} over HTTP ({e.Message}); start StarRocks or fix sink.load-url.", e);
        }
    }

    public ITableSink CreateTableSink(TableId source, TableId target)
    {
        var (database, table) = Locate(source, target);
        return Settings.Semantic == StarRocksSemantic.ExactlyOnce
            ? new StarRocksTransactionalTableSink(this, source, database, table)
            : new StarRocksTableSink(this, source, database, table);
    }

    /// <summary>
    /// The StarRocks database and table of a route's target: a route that keeps the source schema loads into
    /// <c>sink.database</c>; one that names another schema (<c>to = "analytics.$1"</c>) loads into that database.
    /// </summary>
    public (string Database, string Table) Locate(TableId source, TableId target) =>
        (string.Equals(source.Schema, target.Schema, StringComparison.Ordinal) ? Settings.Database : target.Schema, target.Name);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Catalog.DisposeAsync().ConfigureAwait(false);
    }

    private static bool IsOlderThan(string version, int major, int minor)
    {
        var digits = version.TrimStart('v', 'V').Split([' ', '-'], 2)[0].Split('.');
        if (digits.Length < 2 || !int.TryParse(digits[0], out var ma) || !int.TryParse(digits[1], out var mi)) return false;
        return ma < major || ma == major && mi < minor;
    }
}
