using ActorCdc.StarRocksDouble.Catalog;
using ActorCdc.StarRocksDouble.Http;
using ActorCdc.StarRocksDouble.Loads;
using ActorCdc.StarRocksDouble.MySql;

namespace ActorCdc.StarRocksDouble;

/// <summary>
/// A test double of StarRocks per reference/starrocks.md §7: an FE HTTP listener (auth, 100-continue check, 307 to the BE,
/// transaction routing, get_load_state), a BE HTTP listener (Stream Load and Transaction Stream Load into in-memory
/// Primary Key tables), and a MySQL-protocol FE for DDL and metadata, all on loopback ports. Faults are injected
/// through <see cref="Faults"/>; tables are read back with <see cref="Table"/>.
/// </summary>
public sealed class StarRocksDouble : IAsyncDisposable
{
    private readonly DoubleState _state;
    private readonly HttpServer _fe;
    private readonly HttpServer _be;
    private readonly MySqlServer _mysql;

    private StarRocksDouble(StarRocksDoubleOptions options)
    {
        _state = new DoubleState(options);
        foreach (var db in options.Databases) _state.Catalog.CreateDatabase(db);
        var fe = new FrontendEndpoint(_state);
        var be = new BackendEndpoint(_state);
        _fe = new HttpServer(fe.HandleAsync);
        _be = new HttpServer(be.HandleAsync);
        _state.FePort = _fe.Port;
        _state.BePort = _be.Port;
        _mysql = new MySqlServer(_state.Catalog, _state.Faults, options.User, options.Password, options.Version, _state.RecordStatement);
    }

    /// <summary>Starts the listeners on free loopback ports.</summary>
    public static Task<StarRocksDouble> StartAsync(StarRocksDoubleOptions? options = null) =>
        Task.FromResult(new StarRocksDouble(options ?? new StarRocksDoubleOptions()));

    public StarRocksDoubleOptions Options => _state.Options;
    public string User => _state.Options.User;
    public string Password => _state.Options.Password;

    public int FeHttpPort => _fe.Port;
    public int BeHttpPort => _be.Port;
    public int MySqlPort => _mysql.Port;

    /// <summary><c>http://127.0.0.1:&lt;fe port&gt;</c>.</summary>
    public string FeHttpUrl => $"http://127.0.0.1:{_fe.Port}";
    public string BeHttpUrl => $"http://127.0.0.1:{_be.Port}";

    /// <summary>The FE as a sink's <c>load-url</c> wants it: <c>127.0.0.1:port</c>.</summary>
    public string LoadUrl => $"127.0.0.1:{_fe.Port}";

    /// <summary>The FE's MySQL endpoint as a sink's <c>jdbc-url</c> wants it.</summary>
    public string JdbcUrl => $"jdbc:mysql://127.0.0.1:{_mysql.Port}";

    public DoubleFaults Faults => _state.Faults;

    /// <summary>The rows of a table ordered by key; column names as in the table, values as StarRocks would print them.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string?>> Table(string database, string name)
    {
        lock (_state.Catalog.Gate)
            return _state.Catalog.Table(database, name)?.Snapshot() ?? throw new KeyNotFoundException($"the double has no table {database}.{name}");
    }

    /// <summary>How many rows a table holds (cheap, unlike <see cref="Table"/>).</summary>
    public int RowCount(string database, string name)
    {
        lock (_state.Catalog.Gate)
            return _state.Catalog.Table(database, name)?.RowCount ?? throw new KeyNotFoundException($"the double has no table {database}.{name}");
    }

    public bool TableExists(string database, string name)
    {
        lock (_state.Catalog.Gate) return _state.Catalog.Table(database, name) is not null;
    }

    /// <summary>The columns of a table in order.</summary>
    public IReadOnlyList<DoubleColumn> Columns(string database, string name)
    {
        lock (_state.Catalog.Gate)
            return _state.Catalog.Table(database, name)?.Columns.ToList() ?? throw new KeyNotFoundException($"the double has no table {database}.{name}");
    }

    /// <summary>Runs SQL as the MySQL side would (CREATE TABLE by hand, ...); throws with the error message if it fails.</summary>
    public SqlResult Execute(string sql, string? database = null)
    {
        var result = _mysql.Execute(sql, database);
        if (result.IsError) throw new InvalidOperationException($"the double refused `{sql}`: {result.Message}");
        return result;
    }

    /// <summary>The state of a label as get_load_state would answer (UNKNOWN, PREPARE, PREPARED, COMMITTED, VISIBLE, ABORTED).</summary>
    public string LabelState(string database, string label)
    {
        lock (_state.Catalog.Gate) return _state.Find(database, label)?.StateName ?? "UNKNOWN";
    }

    /// <summary>Labels of the database with their states, in the order they were first used.</summary>
    public IReadOnlyList<(string Label, string State, bool Explicit)> Labels(string database)
    {
        lock (_state.Catalog.Gate)
            return _state.Transactions.Where(t => t.Database == database).OrderBy(t => t.TxnId).Select(t => (t.Label, t.StateName, t.IsExplicit)).ToList();
    }

    /// <summary>HTTP requests answered so far, in order.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _state.Requests;

    /// <summary>SQL statements received over the MySQL protocol (and through <see cref="Execute"/>), in order.</summary>
    public IReadOnlyList<string> Statements => _state.Statements;

    /// <summary>Failures inside the double itself (bugs, not injected faults); a test should find none.</summary>
    public IReadOnlyList<string> Errors => _state.Errors;

    /// <summary>Alter jobs so far.</summary>
    public IReadOnlyList<AlterJob> AlterJobs
    {
        get { lock (_state.Catalog.Gate) return _state.Catalog.AlterJobs.ToList(); }
    }

    public async ValueTask DisposeAsync()
    {
        await _fe.DisposeAsync().ConfigureAwait(false);
        await _be.DisposeAsync().ConfigureAwait(false);
        await _mysql.DisposeAsync().ConfigureAwait(false);
    }
}
