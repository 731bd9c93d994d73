using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ActorCdc.StarRocksDouble.Catalog;

namespace ActorCdc.StarRocksDouble.MySql;

/// <summary>
/// The FE's MySQL protocol, as much as MySqlConnector needs: handshake v10 with mysql_native_password (no TLS),
/// COM_QUERY (OK, ERR, text result sets with EOF packets), COM_PING, COM_INIT_DB, COM_RESET_CONNECTION, COM_QUIT.
/// </summary>
internal sealed class MySqlServer : IAsyncDisposable
{
    // LONG_PASSWORD, FOUND_ROWS, LONG_FLAG, CONNECT_WITH_DB, PROTOCOL_41, TRANSACTIONS, SECURE_CONNECTION, MULTI_RESULTS,
    // PLUGIN_AUTH, PLUGIN_AUTH_LENENC_CLIENT_DATA.
    private const uint Capabilities = 0x1 | 0x2 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x20000 | 0x80000 | 0x200000;

    private readonly TcpListener _listener;
    private readonly SqlInterpreter _sql;
    private readonly DoubleCatalog _catalog;
    private readonly string _user;
    private readonly string _password;
    private readonly Action<string> _record;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private readonly List<TcpClient> _clients = [];
    private int _connectionId;

    public MySqlServer(DoubleCatalog catalog, DoubleFaults faults, string user, string password, string version, Action<string> record)
    {
        _catalog = catalog;
        _sql = new SqlInterpreter(catalog, faults, version);
        _user = user;
        _password = password;
        _record = record;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accept = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Runs a statement as if a client sent it (for tests that set up tables by hand).</summary>
    public SqlResult Execute(string sql, string? database = null)
    {
        _record(sql);
        return _sql.Execute(sql, ref database);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            lock (_clients) _clients.Add(client);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        var ct = _stop.Token;
        try
        {
            client.NoDelay = true;
            var packets = new MySqlPackets(client.GetStream());
            var nonce = new byte[20];
            RandomNumberGenerator.Fill(nonce);
            for (var i = 0; i < nonce.Length; i++) nonce[i] = (byte)(nonce[i] % 94 + 33);
            packets.Sequence = 0;
            await packets.WriteAsync(Handshake(Interlocked.Increment(ref _connectionId), nonce), ct).ConfigureAwait(false);
            var response = await packets.ReadAsync(ct).ConfigureAwait(false);
            if (response is null) return;
            var (user, auth, database) = ParseHandshakeResponse(response);
            if (user != _user || !auth.AsSpan().SequenceEqual(Scramble(_password, nonce)))
            {
                await packets.WriteAsync(MySqlPackets.Error(1045, "28000", $"Access denied for user '{user}'@'127.0.0.1' (using password: {(auth.Length > 0 ? "YES" : "NO")})"), ct)
                    .ConfigureAwait(false);
                return;
            }
            if (!string.IsNullOrEmpty(database))
            {
                bool exists;
                lock (_catalog.Gate) exists = _catalog.DatabaseExists(database);
                if (!exists)
                {
                    await packets.WriteAsync(MySqlPackets.Error(1049, "42000", $"Unknown database '{database}'"), ct).ConfigureAwait(false);
                    return;
                }
            }
            await packets.WriteAsync(MySqlPackets.Ok(), ct).ConfigureAwait(false);
            string? current = string.IsNullOrEmpty(database) ? null : database;

            while (!ct.IsCancellationRequested)
            {
                var command = await packets.ReadAsync(ct).ConfigureAwait(false);
                if (command is null || command.Length == 0 || command[0] == 0x01) return;
                switch (command[0])
                {
                    case 0x03:
                        {
                            var sql = Encoding.UTF8.GetString(command, 1, command.Length - 1);
                            _record(sql);
                            var result = _sql.Execute(sql, ref current);
                            await WriteResultAsync(packets, result, ct).ConfigureAwait(false);
                            break;
                        }
                    case 0x02:
                        {
                            var db = Encoding.UTF8.GetString(command, 1, command.Length - 1);
                            var result = _sql.Execute("USE `" + db.Replace("`", "``", StringComparison.Ordinal) + "`", ref current);
                            await WriteResultAsync(packets, result, ct).ConfigureAwait(false);
                            break;
                        }
                    case 0x0e or 0x1f:
                        await packets.WriteAsync(MySqlPackets.Ok(), ct).ConfigureAwait(false);
                        break;
                    default:
                        await packets.WriteAsync(MySqlPackets.Error(1047, "08S01", $"The StarRocks double does not support command 0x{command[0]:x2}"), ct)
                            .ConfigureAwait(false);
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            lock (_clients) _clients.Remove(client);
            client.Dispose();
        }
    }

    private static async Task WriteResultAsync(MySqlPackets packets, SqlResult result, CancellationToken ct)
    {
        if (result.IsError)
        {
            await packets.WriteAsync(MySqlPackets.Error(result.ErrorCode, result.SqlState, result.Message), ct).ConfigureAwait(false);
            return;
        }
        if (result.Columns is null)
        {
            await packets.WriteAsync(MySqlPackets.Ok(), ct).ConfigureAwait(false);
            return;
        }
        await packets.WriteAsync(MySqlPackets.ColumnCount(result.Columns.Length), ct).ConfigureAwait(false);
        foreach (var c in result.Columns) await packets.WriteAsync(MySqlPackets.ColumnDefinition(c), ct).ConfigureAwait(false);
        await packets.WriteAsync(MySqlPackets.Eof(), ct).ConfigureAwait(false);
        foreach (var row in result.Rows!) await packets.WriteAsync(MySqlPackets.Row(row), ct).ConfigureAwait(false);
        await packets.WriteAsync(MySqlPackets.Eof(), ct).ConfigureAwait(false);
    }

    private static byte[] Handshake(int connectionId, byte[] nonce)
    {
        var p = new List<byte> { 0x0a };
        p.AddRange(Encoding.ASCII.GetBytes("8.0.33"));
        p.Add(0);
        var id = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(id, connectionId);
        p.AddRange(id);
        p.AddRange(nonce[..8]);
        p.Add(0);
        p.Add(unchecked((byte)Capabilities));
        p.Add(unchecked((byte)(Capabilities >> 8)));
        p.Add(33);
        p.AddRange([0x02, 0x00]);
        p.Add(unchecked((byte)(Capabilities >> 16)));
        p.Add(unchecked((byte)(Capabilities >> 24)));
        p.Add(21);
        p.AddRange(new byte[10]);
        p.AddRange(nonce[8..]);
        p.Add(0);
        p.AddRange(Encoding.ASCII.GetBytes("mysql_native_password"));
        p.Add(0);
        return p.ToArray();
    }

    private static (string User, byte[] Auth, string? Database) ParseHandshakeResponse(byte[] r)
    {
        var caps = BinaryPrimitives.ReadUInt32LittleEndian(r);
        var at = 32;
        var user = ReadNul(r, ref at);
        byte[] auth;
        if ((caps & 0x200000) != 0)
        {
            var length = (int)MySqlPackets.ReadLength(r, ref at);
            auth = r[at..(at + length)];
            at += length;
        }
        else if ((caps & 0x8000) != 0)
        {
            var length = r[at++];
            auth = r[at..(at + length)];
            at += length;
        }
        else
        {
            auth = Encoding.Latin1.GetBytes(ReadNul(r, ref at));
        }
        string? database = null;
        if ((caps & 0x8) != 0 && at < r.Length) database = ReadNul(r, ref at);
        return (user, auth, database);
    }

    private static string ReadNul(byte[] data, ref int at)
    {
        var end = Array.IndexOf(data, (byte)0, at);
        if (end < 0) end = data.Length;
        var s = Encoding.UTF8.GetString(data, at, end - at);
        at = Math.Min(end + 1, data.Length);
        return s;
    }

    /// <summary>mysql_native_password: SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password))); empty for no password.</summary>
    private static byte[] Scramble(string password, byte[] nonce)
    {
        if (password.Length == 0) return [];
        var h1 = SHA1.HashData(Encoding.UTF8.GetBytes(password));
        var h2 = SHA1.HashData(h1);
        var h3 = SHA1.HashData([.. nonce, .. h2]);
        for (var i = 0; i < h1.Length; i++) h1[i] ^= h3[i];
        return h1;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        lock (_clients)
            foreach (var c in _clients) c.Dispose();
        try { await _accept.ConfigureAwait(false); } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
