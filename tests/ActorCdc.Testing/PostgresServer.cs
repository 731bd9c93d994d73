using Npgsql;

namespace ActorCdc.Testing;

/// <summary>
/// A throwaway PostgreSQL 15 cluster from the Debian binaries: wal_level=logical, password (SCRAM) authentication
/// on TCP loopback for normal and replication connections, a free port. Runs as the <c>postgres</c> OS user
/// when the tests run as root, since initdb refuses root. Stopped and deleted on dispose.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable, IDisposable
{
    public const string SuperUser = "postgres";
    public const string Password = "actorcdc-test-pw";

    private readonly string _binDir;
    private bool _stopped = true;

    private PostgresServer(string dataDir, int port, string binDir)
    {
        DataDir = dataDir;
        Port = port;
        _binDir = binDir;
    }

    public string DataDir { get; }
    public int Port { get; }
    public string BinDir => _binDir;
    public string LogFile => Path.Combine(DataDir, "server.log");

    /// <summary>Extra lines for postgresql.conf; e.g. <c>logical_decoding_work_mem = '64kB'</c>.</summary>
    public static PostgresServer Start(params string[] extraSettings)
    {
        var bin = FindBinDir();
        var root = Path.Combine(Path.GetTempPath(), "actorcdc-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        var data = Path.Combine(root, "data");
        var pwFile = Path.Combine(root, "pw");
        File.WriteAllText(pwFile, Password + "\n");
        if (ProcessRunner.IsRoot) ProcessRunner.Run("chown", ["-R", "postgres:postgres", root]);
        ProcessRunner.Run(Path.Combine(bin, "initdb"),
            ["-D", data, "-U", SuperUser, "--pwfile", pwFile, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            runAsUser: "postgres");
        var server = new PostgresServer(data, FreePort.Next(), bin);
        var conf = new List<string>
        {
            $"port = {server.Port}",
            "listen_addresses = '127.0.0.1'",
            $"unix_socket_directories = '{data}'",
            "wal_level = logical",
            "max_replication_slots = 32",
            "max_wal_senders = 32",
            "max_connections = 200",
            "fsync = off",
            "full_page_writes = off",
            "shared_buffers = '256MB'",
            "timezone = 'UTC'",
            "log_min_messages = warning",
        };
        conf.AddRange(extraSettings);
        File.AppendAllLines(Path.Combine(data, "postgresql.conf"), conf);
        File.WriteAllText(Path.Combine(data, "pg_hba.conf"),
            "local all all scram-sha-256\n" +
            "local replication all scram-sha-256\n" +
            "host all all 127.0.0.1/32 scram-sha-256\n" +
            "host replication all 127.0.0.1/32 scram-sha-256\n");
        if (ProcessRunner.IsRoot) ProcessRunner.Run("chown", ["-R", "postgres:postgres", root]);
        server.StartServer();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    }

    /// <summary>Starts the server again after <see cref="Stop"/>.</summary>
    public void StartServer()
    {
        ProcessRunner.Run(Path.Combine(_binDir, "pg_ctl"), ["-D", DataDir, "-l", LogFile, "-w", "-t", "60", "start"], runAsUser: "postgres");
        _stopped = false;
    }

    /// <summary>Stops the server; <paramref name="immediate"/> is a crash (no shutdown checkpoint).</summary>
    public void Stop(bool immediate = false)
    {
        if (_stopped) return;
        ProcessRunner.Run(Path.Combine(_binDir, "pg_ctl"), ["-D", DataDir, "-w", "-m", immediate ? "immediate" : "fast", "stop"], runAsUser: "postgres");
        _stopped = true;
    }

    public string ConnectionString(string database = "postgres", string user = SuperUser, string password = Password) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Database = database, Username = user, Password = password,
            Pooling = true, MaxPoolSize = 50, Timeout = 30, CommandTimeout = 300,
        }.ConnectionString;

    /// <summary>Creates a database with a unique name and returns the name.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "db")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 13)].ToLowerInvariant();
        await ExecuteAsync("postgres", $"CREATE DATABASE \"{name}\"");
        return name;
    }

    public async Task ExecuteAsync(string database, string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString(database));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<T?> ScalarAsync<T>(string database, string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString(database));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        var result = await cmd.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    /// <summary>Every row of a query rendered as text by PostgreSQL itself, for row-by-row comparison.</summary>
    public async Task<List<string>> RowsAsTextAsync(string database, string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString(database));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT t::text FROM ({sql}) t", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }

    private static string FindBinDir()
    {
        foreach (var candidate in new[] { Environment.GetEnvironmentVariable("ACTORCDC_PG_BIN"), "/usr/lib/postgresql/15/bin" })
            if (!string.IsNullOrEmpty(candidate) && File.Exists(Path.Combine(candidate, "initdb"))) return candidate;
        throw new InvalidOperationException(
            "PostgreSQL 15 server binaries not found in /usr/lib/postgresql/15/bin: run ./build.sh test (it installs postgresql-15) or set ACTORCDC_PG_BIN");
    }

    public void Dispose()
    {
        try { Stop(immediate: true); } catch (Exception) { /* best effort on shutdown */ }
        try { Directory.Delete(Path.GetDirectoryName(DataDir)!, recursive: true); } catch (Exception) { /* already gone */ }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
