using ActorCdc.Core.Changes;
using ActorCdc.Core.Failures;
using ActorCdc.Testing;
using Npgsql;

namespace ActorCdc.Source.Postgres.Tests;

/// <summary>
/// One test's source: its own database, slot and publication, a prepared <see cref="SourceAdmin"/>, and a reader
/// over a <see cref="WalStream"/> that pulls events one at a time under the test's deadline.
/// </summary>
internal sealed class SourceHarness : IAsyncDisposable
{
    private readonly List<string> _seen = new();
    private readonly CancellationTokenSource _deadline;
    private WalStream? _stream;
    private IAsyncEnumerator<SourceEvent>? _events;

    private SourceHarness(PostgresServer server, string database, PostgresSourceSettings settings, TimeSpan timeout)
    {
        Server = server;
        Database = database;
        Settings = settings;
        Admin = new SourceAdmin(settings);
        _deadline = new CancellationTokenSource(timeout);
    }

    public PostgresServer Server { get; }
    public string Database { get; }
    public PostgresSourceSettings Settings { get; }
    public SourceAdmin Admin { get; }
    public WalStream Stream => _stream ?? throw new InvalidOperationException("call OpenAsync first");

    /// <summary>Cancelled when the test runs out of time: every wait uses it.</summary>
    public CancellationToken Deadline => _deadline.Token;

    /// <summary>Creates a database, runs <paramref name="setupSql"/> in it, and prepares the source for <paramref name="tables"/>.</summary>
    public static async Task<SourceHarness> CreateAsync(PostgresServer server, string setupSql, string[] tables,
        Func<PostgresSourceSettings, PostgresSourceSettings>? configure = null, TimeSpan? timeout = null, bool prepare = true)
    {
        var database = await server.CreateDatabaseAsync("src");
        if (setupSql.Length > 0) await server.ExecuteAsync(database, setupSql);
        var id = Guid.NewGuid().ToString("N")[..12];
        var settings = new PostgresSourceSettings
        {
            ConnectionString = server.ConnectionString(database),
            Slot = "slot_" + id,
            Publication = "pub_" + id,
            Tables = tables,
            StatusInterval = TimeSpan.FromSeconds(1),
        };
        if (configure is not null) settings = configure(settings);
        var harness = new SourceHarness(server, database, settings, timeout ?? TimeSpan.FromSeconds(90));
        if (prepare) await harness.Admin.PrepareAsync(harness.Deadline);
        return harness;
    }

    /// <summary>Opens the stream and starts reading (lazily: START_REPLICATION runs at the first pull).</summary>
    public async Task<WalStream> OpenAsync()
    {
        await CloseAsync();
        _stream = await WalStream.OpenAsync(Settings, Deadline);
        _events = _stream.ReadAsync(Deadline).GetAsyncEnumerator(Deadline);
        return _stream;
    }

    /// <summary>Opens again after a close, retrying while the previous walsender still holds the slot.</summary>
    public async Task<WalStream> ReopenAsync()
    {
        await CloseAsync();
        while (true)
        {
            try
            {
                return await OpenAsync();
            }
            catch (CdcException e) when (WalStream.ActivePidOf(e) is not null)
            {
                await Task.Delay(50, Deadline);
            }
        }
    }

    public async Task CloseAsync()
    {
        if (_events is not null) await _events.DisposeAsync();
        if (_stream is not null) await _stream.DisposeAsync();
        _events = null;
        _stream = null;
    }

    public Task ExecuteAsync(string sql) => Server.ExecuteAsync(Database, sql);

    /// <summary>A connection with the same session GUCs as the source, to compare text output.</summary>
    public string SessionConnectionString =>
        new NpgsqlConnectionStringBuilder(Server.ConnectionString(Database)) { Options = PostgresSourceSettings.SessionOptions }.ConnectionString;

    public async Task<SourceEvent> NextAsync()
    {
        if (_events is null) throw new InvalidOperationException("call OpenAsync first");
        try
        {
            if (!await _events.MoveNextAsync()) throw new InvalidOperationException("the stream ended");
        }
        catch (OperationCanceledException) when (Deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"no further event before the deadline; last seen: {string.Join(" | ", _seen)}");
        }
        var e = _events.Current;
        _seen.Add(Describe(e));
        if (_seen.Count > 20) _seen.RemoveAt(0);
        return e;
    }

    /// <summary>The next complete transaction (events before its Begin, such as lone messages, are skipped).</summary>
    public async Task<CapturedTransaction> NextTransactionAsync()
    {
        TransactionBegun? begun = null;
        while (begun is null)
            if (await NextAsync() is TransactionBegun b) begun = b;
        var events = new List<SourceEvent>();
        while (true)
        {
            var e = await NextAsync();
            if (e is TransactionCommitted c) return new CapturedTransaction(begun, events, c);
            if (e is StreamCaughtUp) continue; // a pause in the stream, not part of the transaction
            events.Add(e);
        }
    }

    public async Task<LogicalMessage> NextMessageAsync(string prefix)
    {
        while (true)
            if (await NextAsync() is LogicalMessage m && m.Prefix == prefix) return m;
    }

    private static string Describe(SourceEvent e) => e switch
    {
        TableChanges t => $"TableChanges({t.Batch})",
        LogicalMessage m => $"Message({m.Prefix}@{m.Lsn})",
        _ => e.ToString(),
    };

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        await Admin.DisposeAsync();
        _deadline.Dispose();
    }
}

/// <summary>A transaction as the stream delivered it.</summary>
internal sealed record CapturedTransaction(TransactionBegun Begun, List<SourceEvent> Events, TransactionCommitted Committed)
{
    public IEnumerable<TableChanges> Batches => Events.OfType<TableChanges>();

    /// <summary>Every change with the table it belongs to, in order.</summary>
    public List<(string Table, RowChange Change)> Changes =>
        Batches.SelectMany(b => b.Batch.Changes.Select(c => (b.Batch.Table.ToString(), c))).ToList();
}
