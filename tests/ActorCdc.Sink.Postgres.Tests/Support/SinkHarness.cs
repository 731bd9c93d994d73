using ActorCdc.Core.Changes;
using ActorCdc.Core.Positions;
using ActorCdc.Core.Schema;
using ActorCdc.Core.Sinks;
using ActorCdc.Testing;

namespace ActorCdc.Sink.Postgres.Tests.Support;

/// <summary>A sink factory writing into a database of its own on the fixture's server.</summary>
internal sealed class SinkHarness : IAsyncDisposable
{
    private SinkHarness(PostgresServer server, string database, PostgresSinkFactory factory)
    {
        Server = server;
        Database = database;
        Factory = factory;
    }

    public PostgresServer Server { get; }
    public string Database { get; }
    public PostgresSinkFactory Factory { get; }

    public static async Task<SinkHarness> StartAsync(PostgresServer server, PostgresBatchStrategy strategy = PostgresBatchStrategy.Unnest)
    {
        var database = await server.CreateDatabaseAsync("sink");
        var factory = new PostgresSinkFactory("test", new PostgresSinkSettings(server.ConnectionString(database), strategy));
        return new SinkHarness(server, database, factory);
    }

    /// <summary>A sink writing the schema's source table into the same name in the sink database.</summary>
    public ITableSink SinkFor(TableSchema schema) => Factory.CreateTableSink(schema.Table, schema.Table);

    /// <summary>Applies the script's pending changes up to their last position.</summary>
    public static async Task<SourcePosition> ApplyAsync(ITableSink sink, ChangeScript script)
    {
        var upTo = script.Last;
        var changes = script.Take();
        await sink.ApplyAsync(script.Schema, changes, upTo, CancellationToken.None);
        return upTo;
    }

    public static Task ApplyAsync(ITableSink sink, TableSchema schema, IReadOnlyList<RowChange> changes, SourcePosition upTo) =>
        sink.ApplyAsync(schema, changes, upTo, CancellationToken.None);

    public Task<List<string>> RowsAsync(string sql) => Server.RowsAsTextAsync(Database, sql);

    public Task ExecuteAsync(string sql) => Server.ExecuteAsync(Database, sql);

    public Task<T?> ScalarAsync<T>(string sql) => Server.ScalarAsync<T>(Database, sql);

    public ValueTask DisposeAsync() => Factory.DisposeAsync();
}
