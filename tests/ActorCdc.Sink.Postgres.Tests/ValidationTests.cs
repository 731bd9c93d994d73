using ActorCdc.Core.Failures;
using ActorCdc.Testing;
using Akka.Configuration;
using Xunit;

namespace ActorCdc.Sink.Postgres.Tests;

/// <summary>Start-up checks and settings: failures are classified and name the key to fix.</summary>
public class ValidationTests(PostgresFixture pg) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Valid_settings_pass_and_create_the_bookkeeping_table()
    {
        var database = await pg.Server.CreateDatabaseAsync("sink");
        await using var factory = new PostgresSinkFactory("shop", new PostgresSinkSettings(pg.Server.ConnectionString(database)));

        await factory.ValidateAsync(CancellationToken.None);

        Assert.Equal(["(pipeline,text)", "(source_table,text)", "(commit_lsn,bigint)", "(change_index,bigint)", "(updated_at,\"timestamp with time zone\")"],
            await pg.Server.RowsAsTextAsync(database,
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'actorcdc.applied_positions'::regclass AND attnum > 0 ORDER BY attnum"));
        Assert.Equal(["(\"PRIMARY KEY (pipeline, source_table)\")"], await pg.Server.RowsAsTextAsync(database,
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'actorcdc.applied_positions'::regclass AND contype = 'p'"));
    }

    [Fact]
    public async Task Wrong_password_is_fatal_and_names_the_connection_string()
    {
        await using var factory = new PostgresSinkFactory("shop", new PostgresSinkSettings(pg.Server.ConnectionString(password: "wrong")));

        var error = await Assert.ThrowsAsync<CdcException>(() => factory.ValidateAsync(CancellationToken.None));

        Assert.Equal(FailureKind.Fatal, error.Kind);
        Assert.Contains(PostgresSinkSettings.ConnectionStringKey, error.Message);
        Assert.Contains("password", error.Message);
        Assert.DoesNotContain("wrong", error.Message);
    }

    [Fact]
    public async Task Connection_refused_is_transient()
    {
        var settings = new PostgresSinkSettings($"Host=127.0.0.1;Port={FreePort.Next()};Username=u;Password=p;Database=d;Timeout=5");
        await using var factory = new PostgresSinkFactory("shop", settings);

        var error = await Assert.ThrowsAsync<CdcException>(() => factory.ValidateAsync(CancellationToken.None));

        Assert.Equal(FailureKind.Transient, error.Kind);
        Assert.Contains(PostgresSinkSettings.ConnectionStringKey, error.Message);
    }

    [Fact]
    public async Task A_user_that_cannot_create_tables_is_fatal_with_the_grant_to_run()
    {
        var database = await pg.Server.CreateDatabaseAsync("sink");
        await using (var owner = new PostgresSinkFactory("shop", new PostgresSinkSettings(pg.Server.ConnectionString(database))))
            await owner.ValidateAsync(CancellationToken.None);
        var user = "reader_" + Guid.NewGuid().ToString("N")[..8];
        await pg.Server.ExecuteAsync(database, $"CREATE ROLE {user} LOGIN PASSWORD 'pw'; GRANT USAGE ON SCHEMA actorcdc TO {user}");
        await using var factory = new PostgresSinkFactory("shop", new PostgresSinkSettings(pg.Server.ConnectionString(database, user, "pw")));

        var error = await Assert.ThrowsAsync<CdcException>(() => factory.ValidateAsync(CancellationToken.None));

        Assert.Equal(FailureKind.Fatal, error.Kind);
        Assert.Contains("GRANT", error.Message);
        Assert.Contains(PostgresSinkSettings.ConnectionStringKey, error.Message);
    }

    [Fact]
    public void Settings_come_from_the_sink_block_and_name_a_bad_key()
    {
        var settings = PostgresSinkSettings.FromConfig(ConfigurationFactory.ParseString(
            "connection-string = \"Host=db;Database=a\"\nbatch-strategy = multi-row-insert"));
        Assert.Equal(PostgresBatchStrategy.MultiRowInsert, settings.BatchStrategy);
        Assert.Equal("actorcdc", settings.PositionsSchema);
        Assert.Equal(PostgresBatchStrategy.Unnest, PostgresSinkSettings.FromConfig(ConfigurationFactory.ParseString("connection-string = \"Host=db\"")).BatchStrategy);

        var missing = Assert.Throws<CdcException>(() => PostgresSinkSettings.FromConfig(ConfigurationFactory.ParseString("batch-strategy = copy-merge")));
        Assert.Equal(FailureKind.Fatal, missing.Kind);
        Assert.Contains("sink.connection-string", missing.Message);

        var invalid = Assert.Throws<CdcException>(() => new PostgresSinkSettings("Hots=db"));
        Assert.Contains("sink.connection-string", invalid.Message);

        var strategy = Assert.Throws<CdcException>(() => PostgresSinkSettings.FromConfig(ConfigurationFactory.ParseString(
            "connection-string = \"Host=db\"\nbatch-strategy = fast")));
        Assert.Contains("sink.batch-strategy", strategy.Message);
    }
}
