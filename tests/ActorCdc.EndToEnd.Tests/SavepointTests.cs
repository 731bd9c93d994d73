using ActorCdc.Engine.Configuration;
using ActorCdc.Engine.Pipelines;
using ActorCdc.Engine.Savepoints;
using ActorCdc.Engine.Sinks;
using ActorCdc.Engine.Snapshots;
using ActorCdc.Persistence.RocksDb;
using ActorCdc.Persistence.RocksDb.Checkpoints;
using ActorCdc.Persistence.RocksDb.Hosting;
using ActorCdc.Testing;
using Akka.Actor;
using Akka.Configuration;
using Xunit;

namespace ActorCdc.EndToEnd.Tests;

/// <summary>
/// Savepoints (issue 3): a consistent copy of every entity of a pipeline in checkpoint storage, listed, and a node
/// started from it with the other state backend, which goes on streaming with the sink equal to the source.
/// </summary>
public class SavepointTests(E2eFixture pg) : IClassFixture<E2eFixture>
{
    private static Config State(StateBackend backend, string dataDir, string checkpoints) => ConfigurationFactory.ParseString($$"""
        akka.persistence.journal.plugin = "{{(backend == StateBackend.Memory ? "akka.persistence.journal.inmem" : "akka.persistence.journal.rocksdb")}}"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.rocksdb"
        akka.persistence.snapshot-store.rocksdb.local = {{(backend == StateBackend.Memory ? "memory" : "rocksdb")}}
        akka.persistence.journal.rocksdb.path = "{{dataDir}}/rocksdb"
        akka.persistence.snapshot-store.rocksdb.path = "{{dataDir}}/rocksdb"
        actorcdc.state.checkpoints.storage = "file://{{checkpoints}}"
        """).WithFallback(RocksDbPersistence.StateBackendConfig(backend));

    [Fact]
    public async Task A_savepoint_taken_on_rocksdb_restores_into_the_memory_backend_and_streaming_goes_on()
    {
        var s = await Scenario.CreateAsync(pg.Server, """
            CREATE TABLE t (id int PRIMARY KEY, v text);
            INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 2000) g;
            """);
        var checkpoints = NodeProcess.NewDataDirectory();
        string savepointId;
        await using (var a = await EmbeddedNode.StartAsync(s.Registry(), extra: State(StateBackend.RocksDb, NodeProcess.NewDataDirectory(), checkpoints)))
        {
            await s.ExecAsync("UPDATE t SET v = 'a' WHERE id <= 100;");
            await s.AssertSinkEqualsSourceAsync("t", "id");
            await Eventually.WaitAsync(async () => (await a.BackfillAsync("e2e")).All(p => p.Status == TableBackfillStatus.Done),
                TimeSpan.FromSeconds(60), "the backfill to finish");
            var proxy = await a.Guardian.Ask<IActorRef>(new PipelinesGuardian.GetProxy("e2e"), TimeSpan.FromSeconds(5));
            var taken = await proxy.Ask<object>(new TakeSavepoint(), TimeSpan.FromSeconds(60));
            savepointId = Assert.IsType<SavepointTaken>(taken).SavepointId;
            Assert.Equal(2, ((SavepointTaken)taken).Entities); // the table's entity and the backfill coordinator
            var listed = await CheckpointStorage.Get(a.System).Savepoints!.ListAsync("e2e", CancellationToken.None);
            Assert.Contains(listed, m => m.SavepointId == savepointId);
        }

        await s.ExecAsync("UPDATE t SET v = 'between' WHERE id BETWEEN 101 AND 200; DELETE FROM t WHERE id > 1900;");
        var b = await EmbeddedNode.StartAsync(s.Registry(), startPipelines: false, extra: State(StateBackend.Memory, NodeProcess.NewDataDirectory(), checkpoints));
        await using (b)
        {
            Assert.Equal(2, await SavepointRestore.RestoreAsync(b.System, "e2e", savepointId, CancellationToken.None));
            await b.StartPipelinesAsync();
            await s.ExecAsync("INSERT INTO t VALUES (5000, 'after');");
            await s.AssertSinkEqualsSourceAsync("t", "id");
            // The backfill state came from the savepoint: nothing is copied again.
            var progress = Assert.Single(await b.BackfillAsync("e2e"));
            Assert.Equal(TableBackfillStatus.Done, progress.Status);
            Assert.Equal(2000, progress.RowsCopied);
        }
    }
}
