using ActorCdc.Testing;
using Npgsql;
using Xunit;

namespace ActorCdc.Source.Postgres.Tests;

public class PostgresServerTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Server_runs_with_logical_wal_level()
    {
        var level = await pg.Server.ScalarAsync<string>("postgres", "SHOW wal_level");
        Assert.Equal("logical", level);
    }

    [Fact]
    public async Task Wrong_password_is_refused()
    {
        await using var conn = new NpgsqlConnection(pg.Server.ConnectionString(password: "wrong"));
        var ex = await Assert.ThrowsAsync<PostgresException>(() => conn.OpenAsync());
        Assert.Equal("28P01", ex.SqlState);
    }
}
