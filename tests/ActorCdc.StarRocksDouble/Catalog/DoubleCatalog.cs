namespace ActorCdc.StarRocksDouble.Catalog;

/// <summary>Databases, their Primary Key tables and the alter jobs of the double; every access holds <see cref="Gate"/>.</summary>
public sealed class DoubleCatalog
{
    private readonly Dictionary<string, Dictionary<string, DoubleTable>> _databases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _databaseIds = new(StringComparer.Ordinal);
    private long _nextId = 10000;

    public object Gate { get; } = new();
    public List<AlterJob> AlterJobs { get; } = [];

    public long NextId() => Interlocked.Increment(ref _nextId);

    public bool DatabaseExists(string database) => _databases.ContainsKey(database);

    public long DatabaseId(string database) => _databaseIds.TryGetValue(database, out var id) ? id : -1;

    public IEnumerable<string> Databases => _databases.Keys.OrderBy(d => d, StringComparer.Ordinal);

    public bool CreateDatabase(string database)
    {
        if (_databases.ContainsKey(database)) return false;
        _databases[database] = new Dictionary<string, DoubleTable>(StringComparer.Ordinal);
        _databaseIds[database] = NextId();
        return true;
    }

    public bool DropDatabase(string database) => _databases.Remove(database);

    public IEnumerable<DoubleTable> Tables(string database) =>
        _databases.TryGetValue(database, out var tables) ? tables.Values.OrderBy(t => t.Name, StringComparer.Ordinal) : [];

    public DoubleTable? Table(string database, string table) =>
        _databases.TryGetValue(database, out var tables) && tables.TryGetValue(table, out var t) ? t : null;

    public void AddTable(DoubleTable table) => _databases[table.Database][table.Name] = table;

    public bool DropTable(string database, string table) => _databases.TryGetValue(database, out var tables) && tables.Remove(table);
}
