using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ActorCdc.StarRocksDouble.Catalog;

namespace ActorCdc.StarRocksDouble.MySql;

/// <summary>
/// The statements the double understands over the MySQL protocol: SET, SELECT 1 / version / connection id,
/// information_schema.SCHEMATA / TABLES / COLUMNS, SHOW DATABASES / TABLES / ALTER TABLE COLUMN, CREATE / DROP DATABASE,
/// CREATE TABLE (PRIMARY / DUPLICATE KEY), DROP / TRUNCATE TABLE, ALTER TABLE ADD / DROP / MODIFY COLUMN (an asynchronous job),
/// SELECT * FROM table. Anything else is an error naming the statement.
/// </summary>
internal sealed partial class SqlInterpreter(DoubleCatalog catalog, DoubleFaults faults, string version)
{
    private const string Ident = @"(?:`(?:[^`]|``)+`|[A-Za-z_][\w$]*)";

    public SqlResult Execute(string sql, ref string? currentDatabase)
    {
        var text = sql.Trim().TrimEnd(';').Trim();
        Match m;
        if (text.StartsWith("SET ", StringComparison.OrdinalIgnoreCase)) return SqlResult.Ok;
        if ((m = UseRe().Match(text)).Success)
        {
            var db = Unquote(m.Groups["db"].Value);
            lock (catalog.Gate)
                if (!catalog.DatabaseExists(db)) return SqlResult.Error($"Unknown database '{db}'", 1049);
            currentDatabase = db;
            return SqlResult.Ok;
        }
        if (SelectOneRe().IsMatch(text)) return SqlResult.Set(["1"], [["1"]]);
        if (CurrentVersionRe().IsMatch(text)) return SqlResult.Set(["current_version()"], [[version]]);
        if (VersionRe().IsMatch(text)) return SqlResult.Set(["version()"], [["8.0.33"]]);
        if (ConnectionIdRe().IsMatch(text)) return SqlResult.Set(["CONNECTION_ID()", "VERSION()"], [["1", "8.0.33"]]);
        if ((m = InformationSchemaRe().Match(text)).Success) return InformationSchema(m);
        if (ShowDatabasesRe().IsMatch(text))
            lock (catalog.Gate) return SqlResult.Set(["Database"], catalog.Databases.Select(d => new string?[] { d }).ToList());
        if ((m = ShowTablesRe().Match(text)).Success)
        {
            var db = m.Groups["db"].Success ? Unquote(m.Groups["db"].Value) : currentDatabase;
            if (db is null) return SqlResult.Error("No database selected", 1046, "3D000");
            lock (catalog.Gate)
            {
                if (!catalog.DatabaseExists(db)) return SqlResult.Error($"Unknown database '{db}'", 1049);
                return SqlResult.Set([$"Tables_in_{db}"], catalog.Tables(db).Select(t => new string?[] { t.Name }).ToList());
            }
        }
        if ((m = CreateDatabaseRe().Match(text)).Success)
        {
            var db = Unquote(m.Groups["db"].Value);
            lock (catalog.Gate)
                return catalog.CreateDatabase(db) || m.Groups["ifnot"].Success ? SqlResult.Ok : SqlResult.Error($"Can't create database '{db}'; database exists", 1007, "HY000");
        }
        if ((m = DropDatabaseRe().Match(text)).Success)
        {
            var db = Unquote(m.Groups["db"].Value);
            lock (catalog.Gate)
                return catalog.DropDatabase(db) || m.Groups["ifexists"].Success ? SqlResult.Ok : SqlResult.Error($"Can't drop database '{db}'; database doesn't exist", 1008, "HY000");
        }
        if ((m = CreateTableRe().Match(text)).Success) return CreateTable(m, currentDatabase);
        if ((m = DropTableRe().Match(text)).Success)
        {
            if (!Qualified(m.Groups["name"].Value, currentDatabase, out var db, out var table, out var error)) return error!;
            lock (catalog.Gate)
                return catalog.DropTable(db, table) || m.Groups["ifexists"].Success ? SqlResult.Ok : SqlResult.Error($"Unknown table '{table}'", 1051);
        }
        if ((m = TruncateRe().Match(text)).Success)
        {
            if (!Qualified(m.Groups["name"].Value, currentDatabase, out var db, out var table, out var error)) return error!;
            lock (catalog.Gate)
            {
                if (catalog.Table(db, table) is not { } t) return SqlResult.Error($"Unknown table '{table}'", 1051);
                t.Truncate();
                return SqlResult.Ok;
            }
        }
        if ((m = AlterTableRe().Match(text)).Success) return AlterTable(m, currentDatabase);
        if ((m = ShowAlterRe().Match(text)).Success) return ShowAlter(m, currentDatabase);
        if ((m = SelectStarRe().Match(text)).Success)
        {
            if (!Qualified(m.Groups["name"].Value, currentDatabase, out var db, out var table, out var error)) return error!;
            lock (catalog.Gate)
            {
                if (catalog.Table(db, table) is not { } t) return SqlResult.Error($"Unknown table '{db}.{table}'", 1051);
                var names = t.Columns.Select(c => c.Name).ToArray();
                return SqlResult.Set(names, t.Snapshot().Select(r => names.Select(n => r[n]).ToArray()).ToList());
            }
        }
        return SqlResult.Error($"The StarRocks double does not understand: {text}");
    }

    private SqlResult InformationSchema(Match m)
    {
        var view = m.Groups["view"].Value.ToUpperInvariant();
        var where = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (m.Groups["where"].Success)
            foreach (Match c in ConditionRe().Matches(m.Groups["where"].Value))
                where[c.Groups["col"].Value] = UnescapeString(c.Groups["val"].Value);
        var rows = new List<Dictionary<string, string?>>();
        lock (catalog.Gate)
        {
            foreach (var db in catalog.Databases)
            {
                if (view == "SCHEMATA")
                {
                    rows.Add(new(StringComparer.OrdinalIgnoreCase) { ["CATALOG_NAME"] = "def", ["SCHEMA_NAME"] = db, ["DEFAULT_CHARACTER_SET_NAME"] = "utf8" });
                    continue;
                }
                foreach (var table in catalog.Tables(db))
                {
                    if (view == "TABLES")
                    {
                        rows.Add(new(StringComparer.OrdinalIgnoreCase)
                        {
                            ["TABLE_CATALOG"] = "def",
                            ["TABLE_SCHEMA"] = db,
                            ["TABLE_NAME"] = table.Name,
                            ["TABLE_TYPE"] = "BASE TABLE",
                            ["TABLE_ROWS"] = table.RowCount.ToString(CultureInfo.InvariantCulture),
                        });
                        continue;
                    }
                    for (var i = 0; i < table.Columns.Count; i++)
                    {
                        var c = table.Columns[i];
                        rows.Add(new(StringComparer.OrdinalIgnoreCase)
                        {
                            ["TABLE_CATALOG"] = "def",
                            ["TABLE_SCHEMA"] = db,
                            ["TABLE_NAME"] = table.Name,
                            ["COLUMN_NAME"] = c.Name,
                            ["ORDINAL_POSITION"] = (i + 1).ToString(CultureInfo.InvariantCulture),
                            ["COLUMN_DEFAULT"] = c.Default,
                            ["IS_NULLABLE"] = c.Nullable ? "YES" : "NO",
                            ["DATA_TYPE"] = c.Type.DataType,
                            ["COLUMN_TYPE"] = c.Type.ColumnType,
                            ["COLUMN_KEY"] = c.IsKey ? "PRI" : "",
                            ["COLUMN_COMMENT"] = c.Comment ?? "",
                            ["COLUMN_SIZE"] = c.Type.Kind is "VARCHAR" or "CHAR" ? c.Type.Length.ToString(CultureInfo.InvariantCulture) : c.Type.Kind == "DECIMAL" ? c.Type.Precision.ToString(CultureInfo.InvariantCulture) : null,
                            ["DECIMAL_DIGITS"] = c.Type.Kind == "DECIMAL" ? c.Type.Scale.ToString(CultureInfo.InvariantCulture) : null,
                        });
                    }
                }
            }
        }
        var selected = rows.Where(r => where.All(w => r.TryGetValue(w.Key, out var v) && string.Equals(v, w.Value, StringComparison.Ordinal))).ToList();
        var columns = m.Groups["cols"].Value.Trim() == "*"
            ? (selected.FirstOrDefault()?.Keys.ToArray() ?? ["COLUMN_NAME"])
            : m.Groups["cols"].Value.Split(',', StringSplitOptions.TrimEntries).Select(Unquote).ToArray();
        return SqlResult.Set(columns, selected.Select(r => columns.Select(c => r.TryGetValue(c, out var v) ? v : null).ToArray()).ToList());
    }

    private SqlResult CreateTable(Match m, string? currentDatabase)
    {
        if (!Qualified(m.Groups["name"].Value, currentDatabase, out var db, out var name, out var error)) return error!;
        var columns = new List<DoubleColumn>();
        foreach (var definition in SplitTopLevel(m.Groups["body"].Value))
        {
            if (!TryColumn(definition, out var column, out var problem)) return SqlResult.Error(problem!);
            columns.Add(column!);
        }
        var model = m.Groups["model"].Value.ToUpperInvariant();
        var keys = m.Groups["pk"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Unquote).ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            if (i >= columns.Count || !string.Equals(columns[i].Name, keys[i], StringComparison.OrdinalIgnoreCase))
                return SqlResult.Error("Key columns should be a ordered prefix of the schema. KeyColumns[" + i + "] (starts from zero) is " + keys[i] +
                                       ", but corresponding column is " + (i < columns.Count ? columns[i].Name : "missing") + " in the previous columns declaration.");
            if (model == "PRIMARY")
            {
                if (columns[i].Nullable) return SqlResult.Error($"primary key column[{keys[i]}] cannot be nullable");
                if (!columns[i].Type.AllowedInKey) return SqlResult.Error($"Data type of {keys[i]} column cannot be {columns[i].Type.Kind}");
            }
            columns[i] = columns[i] with { IsKey = true };
        }
        var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["model"] = model };
        if (m.Groups["props"].Success)
            foreach (Match p in PropertyRe().Matches(m.Groups["props"].Value))
                properties[UnescapeString(p.Groups["k"].Value)] = UnescapeString(p.Groups["v"].Value);
        lock (catalog.Gate)
        {
            if (!catalog.DatabaseExists(db)) return SqlResult.Error($"Unknown database '{db}'", 1049);
            if (catalog.Table(db, name) is not null)
                return m.Groups["ifnot"].Success ? SqlResult.Ok : SqlResult.Error($"Table '{name}' already exists", 1050, "42S01");
            catalog.AddTable(new DoubleTable(db, name, columns, properties));
        }
        return SqlResult.Ok;
    }

    private SqlResult AlterTable(Match m, string? currentDatabase)
    {
        if (!Qualified(m.Groups["name"].Value, currentDatabase, out var db, out var name, out var error)) return error!;
        var actions = new List<Action<DoubleTable>>();
        lock (catalog.Gate)
        {
            if (catalog.Table(db, name) is not { } table) return SqlResult.Error($"Unknown table '{name}'", 1051);
            if (catalog.AlterJobs.Exists(j => j.Database == db && j.Table == name && j.State == "RUNNING"))
                return SqlResult.Error($"Table[{name}]'s state is not NORMAL. Do not allow doing ALTER ops", 1064, "HY000");
            var names = table.Columns.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var clause in SplitTopLevel(m.Groups["clauses"].Value))
            {
                var c = AlterClauseRe().Match(clause);
                if (!c.Success) return SqlResult.Error($"The StarRocks double does not understand the ALTER clause: {clause}");
                var verb = c.Groups["verb"].Value.ToUpperInvariant();
                if (verb == "DROP")
                {
                    var column = Unquote(c.Groups["rest"].Value.Trim());
                    var existing = table.Column(column);
                    if (existing is null) return SqlResult.Error($"Column '{column}' does not exist", 1054, "42S22");
                    if (existing.IsKey) return SqlResult.Error($"Can not drop key column {column} in primary data model table");
                    names.Remove(column);
                    actions.Add(t => t.DropColumn(column));
                    continue;
                }
                if (!TryColumn(c.Groups["rest"].Value, out var def, out var problem)) return SqlResult.Error(problem!);
                if (verb == "ADD")
                {
                    if (!names.Add(def!.Name)) return SqlResult.Error($"Duplicate column name '{def.Name}'", 1060, "42S21");
                    actions.Add(t => t.AddColumn(def));
                }
                else
                {
                    var existing = table.Column(def!.Name);
                    if (existing is null) return SqlResult.Error($"Column '{def.Name}' does not exist", 1054, "42S22");
                    if (existing.IsKey) return SqlResult.Error($"Can not modify key column {def.Name} in primary data model table");
                    actions.Add(t => t.ModifyColumn(def));
                }
            }
            var cancel = faults.CancelNextAlterJob;
            faults.CancelNextAlterJob = null;
            var job = new AlterJob(catalog.NextId(), db, name, () => { foreach (var a in actions) a(table); }, faults.AlterJobPolls, cancel);
            catalog.AlterJobs.Add(job);
            if (faults.AlterJobPolls <= 0) job.Complete();
        }
        return SqlResult.Ok;
    }

    private SqlResult ShowAlter(Match m, string? currentDatabase)
    {
        var db = m.Groups["db"].Success ? Unquote(m.Groups["db"].Value) : currentDatabase;
        if (db is null) return SqlResult.Error("No database selected", 1046, "3D000");
        var table = m.Groups["t"].Success ? UnescapeString(m.Groups["t"].Value) : null;
        string[] columns = ["JobId", "TableName", "CreateTime", "FinishTime", "IndexName", "IndexId", "OriginIndexId", "SchemaVersion", "TransactionId", "State", "Msg", "Progress", "Timeout"];
        lock (catalog.Gate)
        {
            var jobs = catalog.AlterJobs.Where(j => j.Database == db && (table is null || j.Table == table)).OrderByDescending(j => j.JobId).ToList();
            if (m.Groups["n"].Success) jobs = jobs.Take(int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture)).ToList();
            foreach (var job in jobs) job.Observe();
            return SqlResult.Set(columns, jobs.Select(j => new string?[]
            {
                j.JobId.ToString(CultureInfo.InvariantCulture), j.Table, j.CreateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                j.FinishTime?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "NULL", j.Table, "0", "0", "1:0", "0",
                j.State, j.Msg, "NULL", "86400",
            }).ToList());
        }
    }

    /// <summary><c>`name` TYPE [NULL | NOT NULL] [DEFAULT "v"] [COMMENT "c"]</c>.</summary>
    private static bool TryColumn(string definition, out DoubleColumn? column, out string? problem)
    {
        column = null;
        problem = null;
        var text = definition.Trim();
        var nameMatch = Regex.Match(text, "^" + Ident);
        if (!nameMatch.Success)
        {
            problem = $"Cannot read a column name in: {definition}";
            return false;
        }
        var name = Unquote(nameMatch.Value);
        var i = nameMatch.Length;
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        var start = i;
        var depth = 0;
        for (; i < text.Length; i++)
        {
            var ch = text[i];
            if (ch is '(' or '<') depth++;
            else if (ch is ')' or '>') depth--;
            else if (char.IsWhiteSpace(ch) && depth == 0) break;
        }
        DoubleType type;
        try
        {
            type = DoubleType.Parse(text[start..i]);
        }
        catch (FormatException e)
        {
            problem = e.Message;
            return false;
        }
        var rest = text[i..];
        var nullable = !NotNullRe().IsMatch(rest);
        var comment = CommentRe().Match(rest) is { Success: true } cm ? UnescapeString(cm.Groups["v"].Value) : null;
        var defaultValue = DefaultRe().Match(rest) is { Success: true } dm ? UnescapeString(dm.Groups["v"].Value) : null;
        column = new DoubleColumn(name, type, nullable, false, comment, defaultValue);
        return true;
    }

    /// <summary>Splits at commas outside parentheses, angle brackets and quotes.</summary>
    internal static List<string> SplitTopLevel(string text)
    {
        var parts = new List<string>();
        var depth = 0;
        char? quote = null;
        var current = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quote is { } q)
            {
                current.Append(ch);
                if (ch == '\\' && i + 1 < text.Length) current.Append(text[++i]);
                else if (ch == q) quote = null;
                continue;
            }
            switch (ch)
            {
                case '"' or '\'' or '`':
                    quote = ch;
                    break;
                case '(' or '<':
                    depth++;
                    break;
                case ')' or '>':
                    depth--;
                    break;
                case ',' when depth == 0:
                    parts.Add(current.ToString().Trim());
                    current.Clear();
                    continue;
            }
            current.Append(ch);
        }
        if (current.ToString().Trim() is { Length: > 0 } last) parts.Add(last);
        return parts;
    }

    private static bool Qualified(string text, string? currentDatabase, out string database, out string table, out SqlResult? error)
    {
        var parts = Regex.Matches(text, Ident).Select(x => Unquote(x.Value)).ToList();
        error = null;
        if (parts.Count == 2)
        {
            (database, table) = (parts[0], parts[1]);
            return true;
        }
        database = currentDatabase ?? "";
        table = parts.Count == 1 ? parts[0] : "";
        if (currentDatabase is null) error = SqlResult.Error("No database selected", 1046, "3D000");
        return currentDatabase is not null;
    }

    internal static string Unquote(string ident) =>
        ident.Length >= 2 && ident[0] == '`' && ident[^1] == '`' ? ident[1..^1].Replace("``", "`", StringComparison.Ordinal) : ident;

    private static string UnescapeString(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length) i++;
            sb.Append(text[i]);
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"^USE\s+(?<db>" + Ident + ")$", RegexOptions.IgnoreCase)]
    private static partial Regex UseRe();

    [GeneratedRegex(@"^SELECT\s+1$", RegexOptions.IgnoreCase)]
    private static partial Regex SelectOneRe();

    [GeneratedRegex(@"^SELECT\s+current_version\(\)$", RegexOptions.IgnoreCase)]
    private static partial Regex CurrentVersionRe();

    [GeneratedRegex(@"^SELECT\s+(@@version|version\(\))$", RegexOptions.IgnoreCase)]
    private static partial Regex VersionRe();

    [GeneratedRegex(@"^SELECT\s+CONNECTION_ID\(\)", RegexOptions.IgnoreCase)]
    private static partial Regex ConnectionIdRe();

    [GeneratedRegex(@"^SELECT\s+(?<cols>.+?)\s+FROM\s+information_schema\.(?<view>SCHEMATA|TABLES|COLUMNS)(\s+WHERE\s+(?<where>.+?))?(\s+ORDER\s+BY\s+[\w, ]+)?$",
        RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex InformationSchemaRe();

    [GeneratedRegex(@"(?<col>\w+)\s*=\s*'(?<val>(?:[^'\\]|\\.)*)'", RegexOptions.IgnoreCase)]
    private static partial Regex ConditionRe();

    [GeneratedRegex(@"^SHOW\s+DATABASES$", RegexOptions.IgnoreCase)]
    private static partial Regex ShowDatabasesRe();

    [GeneratedRegex(@"^SHOW\s+TABLES(\s+(FROM|IN)\s+(?<db>" + Ident + "))?$", RegexOptions.IgnoreCase)]
    private static partial Regex ShowTablesRe();

    [GeneratedRegex(@"^CREATE\s+DATABASE\s+(?<ifnot>IF\s+NOT\s+EXISTS\s+)?(?<db>" + Ident + ")$", RegexOptions.IgnoreCase)]
    private static partial Regex CreateDatabaseRe();

    [GeneratedRegex(@"^DROP\s+DATABASE\s+(?<ifexists>IF\s+EXISTS\s+)?(?<db>" + Ident + ")$", RegexOptions.IgnoreCase)]
    private static partial Regex DropDatabaseRe();

    [GeneratedRegex(@"^CREATE\s+TABLE\s+(?<ifnot>IF\s+NOT\s+EXISTS\s+)?(?<name>" + Ident + @"(\s*\.\s*" + Ident + @")?)\s*\((?<body>.*)\)\s*(?<model>PRIMARY|DUPLICATE|UNIQUE|AGGREGATE)\s+KEY\s*\((?<pk>[^)]*)\)\s*DISTRIBUTED\s+BY\s+HASH\s*\((?<dk>[^)]*)\)(\s+BUCKETS\s+(?<buckets>\d+))?(\s*PROPERTIES\s*\((?<props>.*)\))?$",
        RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex CreateTableRe();

    [GeneratedRegex(@"(?<q>[""'])(?<k>(?:(?!\k<q>)[^\\]|\\.)*)\k<q>\s*=\s*(?<q2>[""'])(?<v>(?:(?!\k<q2>)[^\\]|\\.)*)\k<q2>")]
    private static partial Regex PropertyRe();

    [GeneratedRegex(@"^DROP\s+TABLE\s+(?<ifexists>IF\s+EXISTS\s+)?(?<name>" + Ident + @"(\s*\.\s*" + Ident + ")?)$", RegexOptions.IgnoreCase)]
    private static partial Regex DropTableRe();

    [GeneratedRegex(@"^TRUNCATE\s+TABLE\s+(?<name>" + Ident + @"(\s*\.\s*" + Ident + ")?)$", RegexOptions.IgnoreCase)]
    private static partial Regex TruncateRe();

    [GeneratedRegex(@"^ALTER\s+TABLE\s+(?<name>" + Ident + @"(\s*\.\s*" + Ident + @")?)\s+(?<clauses>.+?)(\s+PROPERTIES\s*\((?<props>[^)]*)\))?$",
        RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex AlterTableRe();

    [GeneratedRegex(@"^(?<verb>ADD|DROP|MODIFY)\s+COLUMN\s+(?<rest>.+)$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex AlterClauseRe();

    [GeneratedRegex(@"^SHOW\s+ALTER\s+TABLE\s+COLUMN(\s+(FROM|IN)\s+(?<db>" + Ident + @"))?(\s+WHERE\s+TableName\s*=\s*'(?<t>(?:[^'\\]|\\.)*)')?(\s+ORDER\s+BY\s+JobId\s+DESC)?(\s+LIMIT\s+(?<n>\d+))?$",
        RegexOptions.IgnoreCase)]
    private static partial Regex ShowAlterRe();

    [GeneratedRegex(@"^SELECT\s+\*\s+FROM\s+(?<name>" + Ident + @"(\s*\.\s*" + Ident + ")?)$", RegexOptions.IgnoreCase)]
    private static partial Regex SelectStarRe();

    [GeneratedRegex(@"\bNOT\s+NULL\b", RegexOptions.IgnoreCase)]
    private static partial Regex NotNullRe();

    [GeneratedRegex(@"\bCOMMENT\s+(?<q>[""'])(?<v>(?:(?!\k<q>)[^\\]|\\.)*)\k<q>", RegexOptions.IgnoreCase)]
    private static partial Regex CommentRe();

    [GeneratedRegex(@"\bDEFAULT\s+(?<q>[""'])(?<v>(?:(?!\k<q>)[^\\]|\\.)*)\k<q>", RegexOptions.IgnoreCase)]
    private static partial Regex DefaultRe();
}
