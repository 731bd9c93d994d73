using System.Globalization;
using System.Text.RegularExpressions;
using ActorCdc.Core.Failures;
using ActorCdc.Sink.StarRocks.Configuration;
using Akka.Configuration;

namespace ActorCdc.Sink.StarRocks;

/// <summary>
/// Settings of a StarRocks sink, built from a pipeline's <c>sink</c> HOCON block (defaults in the embedded
/// reference.conf) and validated by <see cref="Validate"/>; every failure names the key and the expected value.
/// </summary>
public sealed partial class StarRocksSinkSettings
{
    /// <summary>Longest label prefix that keeps every label within StarRocks' 128 characters.</summary>
    public const int MaxLabelPrefixLength = 32;

    // Headers whose value the sink chooses per load; a passthrough value would break labels, __op or partial updates.
    private static readonly HashSet<string> ManagedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "label", "format", "columns", "partial_update", "partial_update_mode", "strip_outer_array", "jsonpaths", "json_root",
        "timeout", "db", "table", "expect", "authorization", "content-length", "transfer-encoding", "ignore_json_size",
        "enable_merge_commit",
    };

    /// <summary>FE HTTP endpoints (<c>sink.load-url</c>) as <c>http://host:port</c>.</summary>
    public IReadOnlyList<Uri> LoadUrls { get; init; } = [];

    /// <summary>FE MySQL-protocol host (<c>sink.jdbc-url</c> or <c>sink.mysql.host</c>).</summary>
    public string MySqlHost { get; init; } = "";

    /// <summary>FE MySQL-protocol port (<c>sink.mysql.port</c>, default 9030).</summary>
    public int MySqlPort { get; init; } = 9030;

    /// <summary>Database of tables whose route keeps the source schema (<c>sink.database</c>).</summary>
    public string Database { get; init; } = "";

    public string Username { get; init; } = "root";
    public string Password { get; init; } = "";

    /// <summary>Start of every label (<c>sink.label-prefix</c>).</summary>
    public string LabelPrefix { get; init; } = "actorcdc";

    public StarRocksSemantic Semantic { get; init; } = StarRocksSemantic.AtLeastOnce;

    /// <summary>Largest JSON body of one load (<c>sink.max-batch-bytes</c>).</summary>
    public long MaxBatchBytes { get; init; } = 90L * 1024 * 1024;

    /// <summary>Most rows in one load (<c>sink.max-batch-rows</c>).</summary>
    public int MaxBatchRows { get; init; } = 500_000;

    /// <summary>How long the engine lets changes accumulate before a write (<c>sink.flush-interval</c>).</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Least time between two loads into one table (<c>sink.min-load-interval</c>).</summary>
    public TimeSpan MinLoadInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Stream Load and transaction timeout (<c>sink.load-timeout</c>).</summary>
    public TimeSpan LoadTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Wait for "100 Continue" before the body is sent anyway (<c>sink.continue-timeout</c>).</summary>
    public TimeSpan ContinueTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan RetryMinBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan RetryMaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts of one load before the write fails as transient (<c>sink.retry.max-attempts</c>).</summary>
    public int RetryMaxAttempts { get; init; } = 10;

    public SchemaChangePolicy SchemaChange { get; init; } = SchemaChangePolicy.Evolve;

    /// <summary>How long an ALTER TABLE job may run (<c>sink.schema-change-timeout</c>).</summary>
    public TimeSpan SchemaChangeTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How often <c>SHOW ALTER TABLE COLUMN</c> is polled (<c>sink.schema-change-poll-interval</c>).</summary>
    public TimeSpan SchemaChangePollInterval { get; init; } = TimeSpan.FromSeconds(3);

    public UnconstrainedNumericMapping UnconstrainedNumeric { get; init; } = UnconstrainedNumericMapping.Decimal;

    /// <summary>Scale of <c>DECIMAL(38, scale)</c> for unconstrained numeric (<c>sink.numeric.scale</c>).</summary>
    public int NumericScale { get; init; } = 18;

    public UnrepresentablePolicy Unrepresentable { get; init; } = UnrepresentablePolicy.Clamp;

    /// <summary>BUCKETS of created tables; 0 lets StarRocks choose (<c>sink.table.buckets</c>).</summary>
    public int Buckets { get; init; }

    /// <summary>PROPERTIES of created tables (<c>sink.table.properties</c>).</summary>
    public IReadOnlyDictionary<string, string> TableProperties { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra Stream Load headers (<c>sink.properties</c>).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>The embedded defaults, documented key by key.</summary>
    public static Config Reference { get; } = LoadReference();

    /// <summary>Reads the keys of a pipeline's <c>sink</c> block; throws a fatal <see cref="CdcException"/> naming a bad key.</summary>
    public static StarRocksSinkSettings FromConfig(Config sink)
    {
        var c = new SinkConfigReader((sink ?? Config.Empty).WithFallback(Reference));
        var loadUrls = new List<Uri>();
        foreach (var item in c.StringList("load-url")) loadUrls.Add(ParseLoadUrl(item));

        string mysqlHost;
        int mysqlPort;
        var jdbc = c.String("jdbc-url");
        if (jdbc.Length > 0)
        {
            (mysqlHost, mysqlPort) = ParseJdbcUrl(jdbc);
        }
        else
        {
            mysqlHost = c.String("mysql.host");
            if (mysqlHost.Length == 0 && loadUrls.Count > 0) mysqlHost = loadUrls[0].Host;
            mysqlPort = c.Int("mysql.port", 1, 65535);
        }

        var settings = new StarRocksSinkSettings
        {
            LoadUrls = loadUrls,
            MySqlHost = mysqlHost,
            MySqlPort = mysqlPort,
            Database = c.String("database"),
            Username = c.String("username"),
            Password = c.String("password"),
            LabelPrefix = c.String("label-prefix"),
            Semantic = c.Enum<StarRocksSemantic>("semantic"),
            MaxBatchBytes = c.Bytes("max-batch-bytes", 1024, 10L * 1024 * 1024 * 1024),
            MaxBatchRows = c.Int("max-batch-rows", 1, 100_000_000),
            FlushInterval = c.Duration("flush-interval", TimeSpan.Zero, TimeSpan.FromHours(1)),
            MinLoadInterval = c.Duration("min-load-interval", TimeSpan.Zero, TimeSpan.FromHours(1)),
            LoadTimeout = c.Duration("load-timeout", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(259200)),
            ContinueTimeout = c.Duration("continue-timeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
            ConnectTimeout = c.Duration("connect-timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
            RetryMinBackoff = c.Duration("retry.min-backoff", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
            RetryMaxBackoff = c.Duration("retry.max-backoff", TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1)),
            RetryMaxAttempts = c.Int("retry.max-attempts", 1, 1000),
            SchemaChange = c.Enum<SchemaChangePolicy>("schema-change"),
            SchemaChangeTimeout = c.Duration("schema-change-timeout", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
            SchemaChangePollInterval = c.Duration("schema-change-poll-interval", TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(10)),
            UnconstrainedNumeric = c.Enum<UnconstrainedNumericMapping>("numeric.unconstrained"),
            NumericScale = c.Int("numeric.scale", 0, 38),
            Unrepresentable = c.Enum<UnrepresentablePolicy>("unrepresentable"),
            Buckets = c.Int("table.buckets", 0, 1024),
            TableProperties = c.Map("table.properties"),
            Properties = c.Map("properties"),
        };
        settings.Validate();
        return settings;
    }

    /// <summary>Checks every value; throws a fatal <see cref="CdcException"/> naming the first bad key.</summary>
    public void Validate()
    {
        if (LoadUrls.Count == 0)
            throw SinkConfigReader.Invalid("load-url", null, "the FE HTTP endpoints, e.g. \"fe1:8030;fe2:8030\"");
        if (MySqlHost.Length == 0)
            throw SinkConfigReader.Invalid("jdbc-url", null, "the FE MySQL endpoint, e.g. \"jdbc:mysql://fe1:9030\" (or set sink.mysql.host)");
        if (MySqlPort is < 1 or > 65535)
            throw SinkConfigReader.Invalid("mysql.port", MySqlPort.ToString(CultureInfo.InvariantCulture), "a TCP port such as 9030");
        if (string.IsNullOrWhiteSpace(Database))
            throw SinkConfigReader.Invalid("database", null, "the StarRocks database the tables are loaded into, e.g. \"analytics\"");
        if (Database.Contains('`') || Database.Contains('/') || Database.Length > 256)
            throw SinkConfigReader.Invalid("database", Database, "a StarRocks database name without '`' or '/', at most 256 characters");
        if (string.IsNullOrEmpty(Username))
            throw SinkConfigReader.Invalid("username", null, "a StarRocks user with INSERT (and CREATE TABLE / ALTER) privileges, e.g. \"root\"");
        if (Username.Contains(':'))
            throw SinkConfigReader.Invalid("username", Username, "a user name without ':' (HTTP Basic authentication cannot carry it)");
        if (!LabelPrefixPattern().IsMatch(LabelPrefix))
            throw SinkConfigReader.Invalid("label-prefix", LabelPrefix, $"1 to {MaxLabelPrefixLength} characters of [-_A-Za-z0-9], unique per pipeline");
        if (RetryMinBackoff > RetryMaxBackoff)
            throw SinkConfigReader.Invalid("retry.min-backoff", RetryMinBackoff.ToString(), $"a duration no longer than sink.retry.max-backoff ({RetryMaxBackoff})");
        if (MaxBatchRows < 1)
            throw SinkConfigReader.Invalid("max-batch-rows", MaxBatchRows.ToString(CultureInfo.InvariantCulture), "a positive number of rows");
        if (MaxBatchBytes < 1024)
            throw SinkConfigReader.Invalid("max-batch-bytes", MaxBatchBytes.ToString(CultureInfo.InvariantCulture), "at least 1KiB, such as 90MiB");
        if (NumericScale is < 0 or > 38)
            throw SinkConfigReader.Invalid("numeric.scale", NumericScale.ToString(CultureInfo.InvariantCulture), "a scale between 0 and 38");
        foreach (var name in Properties.Keys)
            if (ManagedHeaders.Contains(name))
                throw SinkConfigReader.Invalid("properties." + name, Properties[name],
                    "nothing: the sink sets this Stream Load header itself (remove the key; use sink.load-timeout for timeout)");
        foreach (var (name, _) in TableProperties)
            if (name.Contains('"'))
                throw SinkConfigReader.Invalid("table.properties." + name, TableProperties[name], "a property name without '\"'");
    }

    private static Uri ParseLoadUrl(string text)
    {
        var candidate = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0
            || (uri.AbsolutePath.Length > 1))
            throw SinkConfigReader.Invalid("load-url", text, "FE HTTP endpoints as host:port, e.g. \"fe1:8030;fe2:8030\"");
        return new Uri(uri.GetLeftPart(UriPartial.Authority));
    }

    private static (string Host, int Port) ParseJdbcUrl(string text)
    {
        const string Prefix = "jdbc:mysql://";
        if (!text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            throw SinkConfigReader.Invalid("jdbc-url", text, "a URL such as \"jdbc:mysql://fe1:9030\"");
        var rest = text[Prefix.Length..];
        var end = rest.IndexOfAny(['/', '?', ',']);
        var authority = end < 0 ? rest : rest[..end];
        var colon = authority.LastIndexOf(':');
        var host = colon < 0 ? authority : authority[..colon];
        var port = 9030;
        if (colon >= 0 && !int.TryParse(authority[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535 || host.Length == 0)
            throw SinkConfigReader.Invalid("jdbc-url", text, "a URL such as \"jdbc:mysql://fe1:9030\"");
        return (host, port);
    }

    private static Config LoadReference()
    {
        using var stream = typeof(StarRocksSinkSettings).Assembly.GetManifestResourceStream("ActorCdc.Sink.StarRocks.reference.conf")
                           ?? throw new InvalidOperationException("ActorCdc.Sink.StarRocks.reference.conf is not embedded; rebuild the assembly.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    [GeneratedRegex("^[-_A-Za-z0-9]{1,32}$")]
    private static partial Regex LabelPrefixPattern();
}
