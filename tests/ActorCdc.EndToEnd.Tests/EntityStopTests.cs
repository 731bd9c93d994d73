using ActorCdc.Engine.Protocol;
using ActorCdc.Testing;
using Akka.Actor;
using Npgsql;
using Xunit;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>
/// An entity that stops (hand-off to another node, its node leaving) after persisting changes it has not applied: they
/// are durable only in the slot, and the table's next incarnation starts only on a message. Found by the cluster suite
/// under load: a table that went quiet right after its entity was handed off never got its last row.
/// </summary>
public class EntityStopTests(E2eFixture pg) : IClassFixture<E2eFixture>
{
    [Fact]
    public async Task An_entity_stopped_before_applying_what_it_persisted_gets_it_again_though_its_table_stays_quiet()
    {
        var s = await Scenario.CreateAsync(pg.Server, "CREATE TABLE t (id int PRIMARY KEY, v text);");
        // No acknowledgement timeout rescues the rows: the entity acknowledged them (persisted) before it stopped.
        await using var node = await EmbeddedNode.StartAsync(s.Registry("flow-control.ack-timeout = 1h"));
        await s.ExecAsync("INSERT INTO t VALUES (1, 'first');");
        await s.AssertSinkEqualsSourceAsync("t", "id");

        // The sink's table is locked: the entity persists the next rows, its writer waits.
        await using var sink = new NpgsqlConnection(pg.Server.ConnectionString(s.SinkDb));
        await sink.OpenAsync();
        await using var locking = await sink.BeginTransactionAsync();
        await new NpgsqlCommand("LOCK TABLE t IN ACCESS EXCLUSIVE MODE", sink, locking).ExecuteNonQueryAsync();
        await s.ExecAsync("INSERT INTO t SELECT g, 'v' || g FROM generate_series(2, 200) g;");
        await Eventually.WaitAsync(() => pg.Server.ScalarAsync<long>(s.SourceDb,
                $"SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE NOT l.granted AND d.datname = '{s.SinkDb}'"),
            n => n > 0, TimeSpan.FromSeconds(60), "the sink writer waiting for the lock");
        var table = Assert.Single((await node.StatusAsync("e2e")).Tables);
        Assert.True(table.RowsSent - table.RowsApplied >= 199, $"sent {table.RowsSent}, applied {table.RowsApplied}: the new rows are at the entity, not in the sink");

        // The entity stops as in a hand-off (final snapshot, its writer's write cancelled); then the lock goes.
        var entity = await node.System.ActorSelection("/system/sharding/table/*/*").ResolveOne(TimeSpan.FromSeconds(5));
        var stopped = entity.WatchAsync();
        entity.Tell(new HandOff());
        await stopped.WaitAsync(TimeSpan.FromSeconds(30));
        await locking.RollbackAsync();

        await s.AssertSinkEqualsSourceAsync("t", "id");
    }
}
